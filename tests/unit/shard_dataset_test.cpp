// ShardDataset: clip indexing across shard folders, frame reads against what
// was written, and the errors for unusable folders.
#include <gtest/gtest.h>

#include <thread>

#include "core/base/error.h"
#include "core/data/shard_dataset.h"
#include "core/io/shard_index.h"
#include "support/input_error.h"
#include "support/synthetic_shards.h"
#include "support/test_paths.h"

namespace dap {
namespace {

std::vector<uint8_t> expected_frames(int video, const std::vector<int>& frames, int height, int width, bool enhanced) {
  std::vector<uint8_t> pixels;
  for (int f : frames) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        for (int c = 0; c < 3; ++c) {
          const uint8_t value = testing::pattern_pixel(video, f, y, x, c);
          pixels.push_back(enhanced ? static_cast<uint8_t>(255 - value) : value);
        }
      }
    }
  }
  return pixels;
}

TEST(ShardDataset, IndexesTwoFoldersInOrderAndReadsWhatWasWritten) {
  testing::TempDir a, b;
  testing::write_synthetic_shards(a.path(), 8, 12, {6, 5, 7}, 2, "A", testing::pattern_pixel);
  testing::write_synthetic_shards(b.path(), 8, 12, {4, 9}, 5, "B", testing::pattern_pixel);
  ShardDataset data({a.path(), b.path()});
  ASSERT_EQ(data.size(), 5);
  EXPECT_EQ(data.height(), 8);
  EXPECT_EQ(data.width(), 12);
  EXPECT_EQ(data.class_names(), (std::vector<std::string>{"drink", "jump", "run"}));
  EXPECT_EQ(data.folders(), (std::vector<std::string>{a.path(), b.path()}));
  const int folder[] = {0, 0, 0, 1, 1}, shard[] = {0, 0, 1, 0, 0}, video[] = {0, 1, 0, 0, 1};
  const int frames[] = {6, 5, 7, 4, 9}, label[] = {0, 1, 2, 0, 1};
  const char* id[] = {"A-v0", "A-v1", "A-v2", "B-v0", "B-v1"};
  for (int i = 0; i < 5; ++i) {
    const ClipRecord& r = data.record(i);
    EXPECT_EQ(r.folder, folder[i]) << i;
    EXPECT_EQ(r.shard, shard[i]) << i;
    EXPECT_EQ(r.video, video[i]) << i;
    EXPECT_EQ(r.frame_count, frames[i]) << i;
    EXPECT_EQ(r.label, label[i]) << i;
    EXPECT_EQ(r.id, id[i]) << i;
  }
  // Runs, repeats, gaps and a descending step, original and enhanced; source video = position in its folder.
  const std::vector<std::vector<int>> reads = {{0, 1, 2, 6}, {3, 3, 4, 8, 8}, {5, 0}, {0}};
  for (const auto& frames_wanted : reads) {
    EXPECT_EQ(data.read_frames(4, frames_wanted, false), expected_frames(1, frames_wanted, 8, 12, false));
    EXPECT_EQ(data.read_frames(4, frames_wanted, true), expected_frames(1, frames_wanted, 8, 12, true));
  }
  EXPECT_EQ(data.read_frames(2, {0, 6}, true), expected_frames(2, {0, 6}, 8, 12, true));
  EXPECT_THROW(data.read_frames(1, {4, 5}, false), Error);  // A-v1 has 5 frames
  EXPECT_THROW(data.read_frames(1, {-1}, false), Error);
  EXPECT_THROW(data.record(5), Error);
}

TEST(ShardDataset, ReadsFromSeveralThreadsAtOnce) {
  testing::TempDir a;
  testing::write_synthetic_shards(a.path(), 16, 16, {6, 6, 6, 6}, 2, "A", testing::pattern_pixel);
  const ShardDataset data({a.path()});
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const int clip = (t + round) % 4;
        const std::vector<int> frames = {round % 6, 5};
        wrong[t] += data.read_frames(clip, frames, round % 2 == 1) != expected_frames(clip, frames, 16, 16, round % 2);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(ShardDataset, MismatchedFrameSizesNameBothFolders) {
  testing::TempDir a, b;
  testing::write_synthetic_shards(a.path(), 8, 12, {3}, 2, "A", testing::pattern_pixel);
  testing::write_synthetic_shards(b.path(), 8, 10, {3}, 2, "B", testing::pattern_pixel);
  const std::string message = testing::input_error_of([&] { ShardDataset data({a.path(), b.path()}); });
  EXPECT_NE(message.find(a.path()), std::string::npos) << message;
  EXPECT_NE(message.find(b.path()), std::string::npos) << message;
  EXPECT_NE(message.find("8x10"), std::string::npos) << message;
}

TEST(ShardDataset, RefusesNoFoldersMissingIndexAndNoVideos) {
  EXPECT_NE(testing::input_error_of([] { ShardDataset data({}); }), "(no InputError thrown)");
  testing::TempDir missing, empty;
  std::string message = testing::input_error_of([&] { ShardDataset data({missing.path()}); });
  EXPECT_NE(message.find(missing.path()), std::string::npos) << message;
  ShardIndex index;
  index.height = index.width = 8;
  write_shard_index(empty.path(), index);
  message = testing::input_error_of([&] { ShardDataset data({empty.path()}); });
  EXPECT_NE(message.find(empty.path()), std::string::npos) << message;
  EXPECT_NE(message.find("no videos"), std::string::npos) << message;
}

}  // namespace
}  // namespace dap
