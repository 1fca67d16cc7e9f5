// Checkpoints carry their SHA-256 and a damaged one is set aside on resume
// (core/train/train_checkpoint.h); files are written whole or not at all
// (core/io/atomic_file.h). The full-disk cases run end to end in
// tests/python/test_disk_full.py (a tmpfs needs root).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/train/train_checkpoint.h"
#include "support/test_paths.h"

namespace dap {
namespace {

namespace fs = std::filesystem;

std::string write_step(const std::string& folder, int64_t step) {
  return write_checkpoint(folder, step, /*keep=*/3, [&](torch::serialize::OutputArchive& archive) {
    write_int(archive, "step", step);
    archive.write("tensor", torch::full({64}, static_cast<double>(step)));
  });
}

TEST(CheckpointIntegrity, EachCheckpointHasItsChecksum) {
  testing::TempDir dir;
  const std::string path = write_step(dir.file("checkpoints"), 2);
  ASSERT_TRUE(fs::exists(path + ".sha256"));
  EXPECT_EQ(checkpoint_damage(path), "");
}

TEST(CheckpointIntegrity, DamagedNewestIsSetAsideForTheOlderOne) {
  testing::TempDir dir;
  const std::string folder = dir.file("checkpoints");
  const std::string older = write_step(folder, 2);
  const std::string truncated = write_step(folder, 4);
  const std::string altered = write_step(folder, 6);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  {
    std::fstream file(altered, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(altered) / 2));
    file.put('\x5a');
  }
  EXPECT_NE(checkpoint_damage(truncated), "");
  EXPECT_NE(checkpoint_damage(altered), "");
  std::vector<std::string> set_aside;
  EXPECT_EQ(newest_intact_checkpoint(folder, &set_aside), older);
  EXPECT_EQ(set_aside, (std::vector<std::string>{altered + ".damaged", truncated + ".damaged"}));
  EXPECT_FALSE(fs::exists(altered));
  EXPECT_EQ(newest_checkpoint(folder), older);
}

TEST(CheckpointIntegrity, WithoutChecksumAnUnreadableOneIsDamaged) {
  testing::TempDir dir;
  const std::string folder = dir.file("checkpoints");
  const std::string path = write_step(folder, 2);
  fs::remove(path + ".sha256");  // as written before checkpoints had checksums
  EXPECT_EQ(checkpoint_damage(path), "");
  fs::resize_file(path, fs::file_size(path) - 100);
  EXPECT_NE(checkpoint_damage(path).find("cannot be read"), std::string::npos);
  std::vector<std::string> set_aside;
  EXPECT_FALSE(newest_intact_checkpoint(folder, &set_aside).has_value());
  EXPECT_EQ(set_aside.size(), 1u);
}

TEST(AtomicFile, AFailedWriteLeavesTheOldFile) {
  testing::TempDir dir;
  const std::string path = dir.file("table.md");
  write_text_file(path, "old\n");
  EXPECT_THROW(write_file_atomically(path,
                                     [](const ByteSink& sink) {
                                       sink("new", 3);
                                       throw Error("the writer failed");
                                     }),
               Error);
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "old");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

}  // namespace
}  // namespace dap
