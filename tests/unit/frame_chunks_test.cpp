// Direct chunk reads of shard frames (core/io/frame_chunks.h): the same bytes as
// HDF5's own reads for every layout the writer produces, other layouts through
// the library, a corrupt chunk named, parallel readers.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/base/error.h"
#include "core/io/frame_chunks.h"
#include "core/io/shard_format.h"
#include "core/io/shard_reader.h"
#include "core/io/shard_writer.h"
#include "support/synthetic_shards.h"
#include "support/test_paths.h"

namespace dap {
namespace {

constexpr int kHeight = 20, kWidth = 28;

// One shard of three videos (5, 1 and 7 frames) with the given storage settings.
std::string write_shard(const testing::TempDir& dir, const std::string& compression, int level, bool shuffle) {
  ShardSettings settings;
  settings.height = kHeight;
  settings.width = kWidth;
  settings.compression = compression;
  settings.compression_level = level;
  settings.shuffle = shuffle;
  settings.enhancer = "sci";
  settings.settings_sha256 = "test";
  const std::string path = dir.file("shard.h5");
  ShardWriter writer(path, settings);
  int v = 0;
  for (int frames : {5, 1, 7}) {
    VideoFrames video;
    video.id = "v" + std::to_string(v);
    video.label = v;
    video.source_fps = 25.0f;
    for (int f = 0; f < frames; ++f) {
      video.source_frame_indices.push_back(f);
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth; ++x) {
          for (int c = 0; c < 3; ++c) {
            const uint8_t value = testing::pattern_pixel(v, f, y, x, c);
            video.original.push_back(value);
            video.enhanced.push_back(static_cast<uint8_t>(value ^ 0x5a));
          }
        }
      }
    }
    writer.add_video(video);
    ++v;
  }
  writer.finish();
  return path;
}

TEST(FrameChunks, DirectReadsEqualTheLibrarysForEveryWriterLayout) {
  struct Layout {
    std::string compression;
    int level;
    bool shuffle;
  };
  for (const Layout& layout : {Layout{"gzip", 1, false}, Layout{"gzip", 9, true}, Layout{"none", 0, false},
                               Layout{"none", 0, true}}) {
    const std::string what = layout.compression + " level " + std::to_string(layout.level) +
                             (layout.shuffle ? " shuffle" : "");
    testing::TempDir dir;
    const std::string path = write_shard(dir, layout.compression, layout.level, layout.shuffle);
    const ShardReader direct(path), library(path, /*direct_chunks=*/false);
    for (bool enhanced : {false, true}) {
      for (int64_t video = 0; video < direct.video_count(); ++video) {
        const std::vector<uint8_t> got = direct.read_video(video, enhanced);
        ASSERT_EQ(got, library.read_video(video, enhanced)) << what << " video " << video;
        const int64_t frames = static_cast<int64_t>(got.size()) / (kHeight * kWidth * 3);
        for (int64_t f = 0; f < frames; ++f) {
          const uint8_t value = testing::pattern_pixel(static_cast<int>(video), static_cast<int>(f), 3, 5, 2);
          ASSERT_EQ(got[((f * kHeight + 3) * kWidth + 5) * 3 + 2], enhanced ? (value ^ 0x5a) : value) << what;
        }
      }
    }
    // A range across videos reads the same either way.
    EXPECT_EQ(direct.read_frames(3, 6, true), library.read_frames(3, 6, true)) << what;
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    EXPECT_TRUE(FrameChunks(file.get(), shard::kFrames, kHeight, kWidth, path).direct()) << what;
    EXPECT_FALSE(FrameChunks(file.get(), shard::kFrames, kHeight, kWidth, path, false).direct()) << what;
  }
}

// A frames dataset laid out by another tool: two frames per chunk, or a checksum filter.
void write_foreign_frames(const std::string& path, hsize_t frames_per_chunk, bool fletcher32,
                          const std::vector<uint8_t>& pixels, hsize_t frames) {
  h5::Handle file = h5::check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate");
  const hsize_t dims[4] = {frames, kHeight, kWidth, 3}, chunk[4] = {frames_per_chunk, kHeight, kWidth, 3};
  h5::Handle space = h5::check_id(H5Screate_simple(4, dims, nullptr), "H5Screate_simple");
  h5::Handle properties = h5::check_id(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
  h5::check(H5Pset_chunk(properties.get(), 4, chunk), "H5Pset_chunk");
  if (fletcher32) h5::check(H5Pset_fletcher32(properties.get()), "H5Pset_fletcher32");
  h5::check(H5Pset_deflate(properties.get(), 4), "H5Pset_deflate");
  h5::Handle set = h5::check_id(H5Dcreate2(file.get(), "frames", H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                           properties.get(), H5P_DEFAULT),
                                "H5Dcreate2");
  h5::check(H5Dwrite(set.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, pixels.data()), "H5Dwrite");
}

TEST(FrameChunks, OtherLayoutsAreReadThroughTheLibrary) {
  const hsize_t frames = 5;
  std::vector<uint8_t> pixels(frames * kHeight * kWidth * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 31 + i / 97);
  for (const auto& [per_chunk, fletcher32] : {std::pair<hsize_t, bool>{2, false}, {1, true}}) {
    testing::TempDir dir;
    const std::string path = dir.file("foreign.h5");
    write_foreign_frames(path, per_chunk, fletcher32, pixels, frames);
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    const FrameChunks chunks(file.get(), "frames", kHeight, kWidth, path);
    EXPECT_FALSE(chunks.direct()) << per_chunk << " " << fletcher32;
    std::vector<uint8_t> got(3 * kHeight * kWidth * 3);
    chunks.read(1, 3, got.data());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), pixels.begin() + kHeight * kWidth * 3));
  }
}

TEST(FrameChunks, ACorruptChunkIsAnErrorNamingTheFrameAndTheFile) {
  testing::TempDir dir;
  const std::string path = write_shard(dir, "gzip", 1, false);
  haddr_t address = 0;
  hsize_t size = 0;
  {
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    h5::Handle set(H5Dopen2(file.get(), shard::kFrames, H5P_DEFAULT));
    const hsize_t offset[4] = {2, 0, 0, 0};
    unsigned mask = 0;
    h5::check(H5Dget_chunk_info_by_coord(set.get(), offset, &mask, &address, &size), "H5Dget_chunk_info_by_coord");
  }
  {
    std::fstream bytes(path, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(static_cast<std::streamoff>(address + size / 2));
    const std::string garbage(16, '\xff');
    bytes.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const ShardReader reader(path);
  EXPECT_NO_THROW(reader.read_frames(1, 1, false));
  try {
    reader.read_frames(2, 1, false);
    FAIL() << "a corrupt chunk was read without an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frame 2 of frames of " + path), std::string::npos) << e.what();
  }
}

TEST(FrameChunks, ThreadsReadingAtOnceGetTheirOwnFrames) {
  testing::TempDir dir;
  const std::string path = write_shard(dir, "gzip", 1, false);
  const ShardReader reader(path);
  const std::vector<uint8_t> expected = reader.read_frames(0, reader.frame_count(), true);
  std::vector<std::vector<uint8_t>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 20; ++repeat) got[t] = reader.read_frames(0, reader.frame_count(), true);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& frames : got) EXPECT_EQ(frames, expected);
}

}  // namespace
}  // namespace dap
