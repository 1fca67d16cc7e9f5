// Shard format v1: write, read back, atomic completion, resume scan, index.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/base/error.h"
#include "core/io/hdf5_handle.h"
#include "core/io/shard_format.h"
#include "core/io/shard_index.h"
#include "core/io/shard_reader.h"
#include "core/io/shard_writer.h"
#include "support/test_paths.h"

namespace dap {
namespace {

namespace fs = std::filesystem;

ShardSettings small_settings() {
  ShardSettings s;
  s.height = 4;
  s.width = 6;
  s.enhancer = "sci";
  s.enhancer_sha256 = "abc";
  s.config_text = "return {}";
  s.settings_sha256 = "settings-1";
  return s;
}

VideoFrames make_video(const std::string& id, int frames, uint8_t seed) {
  VideoFrames v;
  v.id = id;
  v.label = seed % 5;
  v.source_fps = 25.0f;
  for (int i = 0; i < frames; ++i) v.source_frame_indices.push_back(i * 3);
  for (int i = 0; i < frames * 4 * 6 * 3; ++i) {
    v.original.push_back(static_cast<uint8_t>(seed + i));
    v.enhanced.push_back(static_cast<uint8_t>(seed * 7 + i * 3));
  }
  return v;
}

TEST(Shard, WriteThenReadBackEveryFieldAndFrame) {
  testing::TempDir dir;
  const std::string path = dir.file("a.h5");
  const VideoFrames v1 = make_video("class/vid one", 3, 1), v2 = make_video("vidé 2", 0, 2), v3 = make_video("v3", 2, 9);
  ShardSummary summary;
  {
    ShardWriter writer(path, small_settings());
    writer.add_video(v1);
    writer.add_video(v2);
    writer.add_video(v3);
    EXPECT_FALSE(fs::exists(path)) << "a shard must not appear under its final name before finish()";
    summary = writer.finish();
  }
  EXPECT_EQ(summary.videos, 3);
  EXPECT_EQ(summary.frames, 5);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + shard::kTemporarySuffix));

  ShardReader reader(path);
  EXPECT_EQ(reader.height(), 4);
  EXPECT_EQ(reader.width(), 6);
  EXPECT_EQ(reader.video_ids(), (std::vector<std::string>{"class/vid one", "vidé 2", "v3"}));
  EXPECT_EQ(reader.video_offsets(), (std::vector<int64_t>{0, 3, 3, 5}));
  EXPECT_EQ(reader.labels(), (std::vector<int32_t>{1, 2, 4}));
  EXPECT_EQ(reader.read_video(0, false), v1.original);
  EXPECT_EQ(reader.read_video(0, true), v1.enhanced);
  EXPECT_TRUE(reader.read_video(1, false).empty());
  EXPECT_EQ(reader.read_video(2, true), v3.enhanced);
  EXPECT_EQ(reader.attribute(shard::kAttrEnhancer), "sci");
  EXPECT_EQ(reader.attribute(shard::kAttrFormat), "dap-shard");
}

TEST(Shard, UnfinishedWriterLeavesNothingBehind) {
  testing::TempDir dir;
  {
    ShardWriter writer(dir.file("b.h5"), small_settings());
    writer.add_video(make_video("x", 2, 3));
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Shard, ReaderRefusesOtherFormatOrVersionNamingBoth) {
  testing::TempDir dir;
  const std::string path = dir.file("other.h5");
  {
    h5::Handle file = h5::check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate");
    h5::write_string_attribute(file.get(), shard::kAttrFormat, "dap-shard");
    h5::write_int_attribute(file.get(), shard::kAttrFormatVersion, 7);
  }
  try {
    ShardReader reader(path);
    FAIL() << "version 7 accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("version 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("version 1"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("junk.h5")) << "not hdf5";
  EXPECT_THROW(ShardReader(dir.file("junk.h5")), InputError);
}

TEST(Shard, CollectKeepsVerifiedShardsAndRemovesPartialOnes) {
  testing::TempDir dir;
  { ShardWriter w(dir.file("good.h5"), small_settings()); w.add_video(make_video("g", 2, 1)); w.finish(); }
  { ShardWriter w(dir.file("bad.h5"), small_settings()); w.add_video(make_video("b", 2, 2)); w.finish(); }
  // Simulate a kill: a temporary shard, and a complete-looking shard whose bytes changed.
  std::ofstream(dir.file("partial.h5.tmp")) << "half";
  { std::fstream f(dir.file("bad.h5"), std::ios::in | std::ios::out | std::ios::binary); f.seekp(-10, std::ios::end); f << "XXXX"; }

  std::vector<std::string> removed;
  const auto complete = collect_complete_shards(dir.path(), "settings-1", &removed);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].file, "good.h5");
  EXPECT_EQ(complete[0].video_ids, std::vector<std::string>{"g"});
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_FALSE(fs::exists(dir.file("bad.h5")));
  EXPECT_FALSE(fs::exists(dir.file("partial.h5.tmp")));

  EXPECT_THROW(collect_complete_shards(dir.path(), "other-settings", nullptr), InputError);
}

TEST(ShardIndex, RoundTripAndVersionCheck) {
  testing::TempDir dir;
  ShardIndex index;
  index.height = 4;
  index.width = 6;
  index.enhancer = "sci";
  index.class_names = {"Drink", "Jump"};
  index.manifest_videos = 3;
  index.shards.push_back({"s.h5", 2, 16, 100, "ff", {"a", "b"}});
  index.failures.push_back({"c", "c.mp4", "corrupt"});
  write_shard_index(dir.path(), index);
  const ShardIndex back = read_shard_index(dir.path());
  EXPECT_EQ(back.video_count(), 2);
  EXPECT_EQ(back.frame_count(), 16);
  EXPECT_EQ(back.class_names, index.class_names);
  ASSERT_EQ(back.failures.size(), 1u);
  EXPECT_EQ(back.failures[0].reason, "corrupt");

  std::ofstream(dir.file(shard::kIndexFileName)) << R"({"format": "dap-shard-index", "format_version": 2})";
  EXPECT_THROW(read_shard_index(dir.path()), InputError);
}

}  // namespace
}  // namespace dap
