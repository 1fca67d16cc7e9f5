#include <gtest/gtest.h>

#include "core/video/frame_geometry.h"
#include "core/video/frame_sampler.h"

namespace dap {
namespace {

TEST(FrameSampler, UniformTakesSegmentCentres) {
  EXPECT_EQ(select_uniform(80, 8), (std::vector<int32_t>{5, 15, 25, 35, 45, 55, 65, 75}));
  EXPECT_EQ(select_uniform(10, 4), (std::vector<int32_t>{1, 3, 6, 8}));
  EXPECT_EQ(select_uniform(1, 3), (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ(select_uniform(3, 6), (std::vector<int32_t>{0, 0, 1, 1, 2, 2}));
  EXPECT_TRUE(select_uniform(0, 4).empty());
}

TEST(FrameSampler, FpsFollowsTimestampsNotIndices) {
  // Variable frame rate: 10 fps for 1 s, then 2 fps.
  std::vector<double> times;
  for (int i = 0; i < 10; ++i) times.push_back(0.1 * i);
  for (int i = 0; i < 4; ++i) times.push_back(1.0 + 0.5 * i);
  // At 2 fps: t = 0, 0.5, 1.0, 1.5, 2.0, 2.5 -> frames on screen at those times.
  EXPECT_EQ(select_at_fps(times, 2.0, 100), (std::vector<int32_t>{0, 5, 10, 11, 12, 13}));
  EXPECT_EQ(select_at_fps(times, 2.0, 3), (std::vector<int32_t>{0, 5, 10}));
  // Faster than the source: frames repeat rather than invent new ones.
  EXPECT_EQ(select_at_fps({0.0, 1.0}, 4.0, 100), (std::vector<int32_t>{0, 0, 0, 0, 1}));
}

TEST(FrameGeometry, CoverThenCropKeepsAspect) {
  const Size s = scaled_size({320, 240}, {112, 112}, true);
  EXPECT_EQ(s.height, 112);
  EXPECT_EQ(s.width, 149);
  const Size stretch = scaled_size({320, 240}, {64, 48}, false);
  EXPECT_EQ(stretch.width, 64);
  EXPECT_EQ(stretch.height, 48);
}

TEST(FrameGeometry, RotationMovesPixelsClockwise) {
  // 2 wide x 1 high: [A B] rotated 90 clockwise is a column [A; B].
  const std::vector<uint8_t> image = {1, 1, 1, 2, 2, 2};
  EXPECT_EQ(rotate_rgb(image, {2, 1}, 90), (std::vector<uint8_t>{1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(rotate_rgb(image, {2, 1}, 270), (std::vector<uint8_t>{2, 2, 2, 1, 1, 1}));
  EXPECT_EQ(rotate_rgb(image, {2, 1}, 180), (std::vector<uint8_t>{2, 2, 2, 1, 1, 1}));
  // 1 wide x 2 high [A; B] rotated 90 clockwise: [B A].
  EXPECT_EQ(rotate_rgb(image, {1, 2}, 90), (std::vector<uint8_t>{2, 2, 2, 1, 1, 1}));
}

TEST(FrameGeometry, CentreCrop) {
  std::vector<uint8_t> image;
  for (int i = 0; i < 4 * 2; ++i) image.insert(image.end(), {uint8_t(i), uint8_t(i), uint8_t(i)});
  // 4x2 image, crop 2x2 from the centre: columns 1 and 2.
  EXPECT_EQ(centre_crop_rgb(image, {4, 2}, {2, 2}),
            (std::vector<uint8_t>{1, 1, 1, 2, 2, 2, 5, 5, 5, 6, 6, 6}));
}

}  // namespace
}  // namespace dap
