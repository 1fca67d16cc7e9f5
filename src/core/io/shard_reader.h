// Reads HDF5 shards (format v1). Refuses any other format or version, naming both.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/io/frame_chunks.h"
#include "core/io/hdf5_handle.h"

namespace dap {

// Frames of a shard that cannot be read back (bytes damaged on disk). The
// message names the shard and says how to repair it: dap-preprocess, rerun
// with the same settings, finds that the shard's checksum no longer matches
// and redoes its videos.
class DamagedShardError : public InputError {
 public:
  using InputError::InputError;
};

class ShardReader {
 public:
  // direct_chunks = false reads frames through H5Dread only (the baseline of bench/loader_bench).
  explicit ShardReader(const std::string& path, bool direct_chunks = true);

  const std::string& path() const { return path_; }
  int height() const { return height_; }
  int width() const { return width_; }
  int64_t video_count() const { return static_cast<int64_t>(video_ids_.size()); }
  int64_t frame_count() const { return offsets_.empty() ? 0 : offsets_.back(); }
  const std::vector<std::string>& video_ids() const { return video_ids_; }
  const std::vector<int32_t>& labels() const { return labels_; }
  const std::vector<int64_t>& video_offsets() const { return offsets_; }
  const std::vector<int32_t>& source_frame_indices() const { return source_indices_; }
  const std::vector<float>& source_fps() const { return source_fps_; }
  std::string attribute(const std::string& name) const;

  // Frames [offset, offset+count) of `frames` or `frames_enhanced`, as [count,H,W,3] uint8.
  std::vector<uint8_t> read_frames(int64_t first_frame, int64_t count, bool enhanced) const;
  std::vector<uint8_t> read_video(int64_t video, bool enhanced) const;
  // The same into `out` (count*H*W*3 bytes): safe from several threads at once.
  // Frames that do not decode throw DamagedShardError.
  void read_frames_into(int64_t first_frame, int64_t count, bool enhanced, uint8_t* out) const;

 private:
  std::string path_;
  h5::Handle file_;
  int height_ = 0;
  int width_ = 0;
  std::vector<int64_t> offsets_;
  std::vector<std::string> video_ids_;
  std::vector<int32_t> labels_;
  std::vector<int32_t> source_indices_;
  std::vector<float> source_fps_;
  std::unique_ptr<FrameChunks> frames_, enhanced_;
};

}  // namespace dap
