// Writes one HDF5 shard (format v1) video by video, under a temporary name.
// finish() closes it, records its checksum in a sidecar and renames it into
// place, so a killed job never leaves a shard that looks complete. A write that
// fails removes the temporary file; a full disk or spent quota is an
// OutOfSpaceError naming the shard (core/io/disk_space.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/io/hdf5_handle.h"

namespace dap {

struct ShardSettings {
  int height = 0;
  int width = 0;
  std::string compression = "gzip";  // gzip | none (both readable without plugins)
  int compression_level = 1;
  bool shuffle = false;
  std::string enhancer;
  std::string enhancer_sha256;
  std::string config_text;      // resolved preprocessing config
  std::string settings_sha256;  // identity of the pixel-determining settings
};

// One video's sampled frames: original and enhanced, each [n,H,W,3] uint8.
struct VideoFrames {
  std::string id;
  int32_t label = -1;
  float source_fps = 0.0f;
  std::vector<int32_t> source_frame_indices;
  std::vector<uint8_t> original;
  std::vector<uint8_t> enhanced;
  int64_t frame_count() const { return static_cast<int64_t>(source_frame_indices.size()); }
};

struct ShardSummary {
  std::string file;  // file name, relative to the shard folder
  int64_t videos = 0;
  int64_t frames = 0;
  int64_t bytes = 0;
  std::string sha256;
  std::vector<std::string> video_ids;
};

class ShardWriter {
 public:
  ShardWriter(const std::string& final_path, const ShardSettings& settings);
  ~ShardWriter();  // an unfinished shard is closed and its temporary file removed
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  void add_video(const VideoFrames& video);
  int64_t videos() const { return static_cast<int64_t>(ids_.size()); }
  int64_t frames() const { return offsets_.back(); }
  ShardSummary finish();

 private:
  void append_frames(hid_t dataset, const std::vector<uint8_t>& pixels, int64_t count);
  // Closes the shard and removes its temporary file.
  void discard();
  // In a catch block: discards the shard, then throws an OutOfSpaceError when
  // the disk is full, else rethrows the error being handled.
  [[noreturn]] void rethrow_failure();

  std::string final_path_;
  std::string temporary_path_;
  ShardSettings settings_;
  h5::Handle file_;
  h5::Handle frames_;
  h5::Handle frames_enhanced_;
  std::vector<int64_t> offsets_{0};
  std::vector<std::string> ids_;
  std::vector<int32_t> labels_;
  std::vector<float> fps_;
  std::vector<int32_t> source_indices_;
  bool finished_ = false;
};

}  // namespace dap
