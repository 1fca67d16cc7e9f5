// PNG reading and writing (libpng): the SCI golden images and a round trip.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "core/base/error.h"
#include "core/io/png_image.h"
#include "support/test_paths.h"

namespace dap {
namespace {

TEST(PngImage, ReadsTheGoldenPairAsRgb) {
  const RgbImage input = read_png(testing::asset("sci/golden_input_easy_0528.png"));
  const RgbImage output = read_png(testing::asset("sci/golden_output_easy_0528.png"));
  EXPECT_EQ(input.width, output.width);
  EXPECT_EQ(input.height, output.height);
  EXPECT_EQ(input.pixels.size(), static_cast<size_t>(input.width) * input.height * 3);
}

TEST(PngImage, WriteThenReadIsExact) {
  testing::TempDir dir;
  RgbImage image;
  image.width = 7;
  image.height = 5;
  for (int i = 0; i < 7 * 5 * 3; ++i) image.pixels.push_back(static_cast<uint8_t>(i * 37));
  write_png(dir.file("a.png"), image);
  const RgbImage back = read_png(dir.file("a.png"));
  EXPECT_EQ(back.width, 7);
  EXPECT_EQ(back.height, 5);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(PngImage, EncodedBytesAreTheFileWritePngWrites) {
  testing::TempDir dir;
  RgbImage image;
  image.width = 4;
  image.height = 3;
  for (int i = 0; i < 4 * 3 * 3; ++i) image.pixels.push_back(static_cast<uint8_t>(i * 11));
  write_png(dir.file("a.png"), image);
  std::ifstream in(dir.file("a.png"), std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(encode_png(image), file);
}

TEST(PngImage, NonPngFailsNamingTheFile) {
  testing::TempDir dir;
  std::ofstream(dir.file("x.png")) << "not a png";
  try {
    read_png(dir.file("x.png"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.png"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dap
