// Every video of one or more preprocessed shard folders (dap-preprocess output,
// each with index.json) as one indexable data set for training: clip i is the
// i-th video in index order, folder after folder. Reading frames is safe from
// several threads at once (HDF5 is built thread-safe; the readers are immutable
// after construction).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dap {

class ShardReader;

struct ClipRecord {
  int folder = 0;           // index into the folders given to the constructor (a domain / source)
  int shard = 0;            // index of the shard file in that folder's index
  int64_t video = 0;        // video index within the shard
  int64_t frame_count = 0;  // stored frames of this video
  int64_t first_frame = 0;  // its first frame's index among the shard's stored frames
  int32_t label = -1;
  std::string id;
};

class ShardDataset {
 public:
  // All folders must have the same frame height/width. An empty folder list, a
  // folder without index.json, a shard that disagrees with its index, a video
  // without frames, or no videos at all: InputError naming the folder(s) or file.
  // direct_chunks = false: frames only through H5Dread (core/io/frame_chunks.h; a benchmark baseline).
  explicit ShardDataset(const std::vector<std::string>& folders, bool direct_chunks = true);
  ~ShardDataset();
  ShardDataset(const ShardDataset&) = delete;
  ShardDataset& operator=(const ShardDataset&) = delete;

  int64_t size() const { return static_cast<int64_t>(records_.size()); }
  const ClipRecord& record(int64_t clip) const;
  int height() const { return height_; }
  int width() const { return width_; }
  const std::vector<std::string>& class_names() const { return class_names_; }  // of the first folder
  const std::vector<std::string>& folders() const { return folders_; }
  // The shard file that holds `clip`, for error messages.
  const std::string& shard_path(int64_t clip) const;

  // The stored frames `frames` (indices 0..frame_count-1 within the clip) of
  // `clip`, original or enhanced, as uint8 [frames.size(), H, W, 3]; a frame
  // repeated at consecutive positions is read once.
  std::vector<uint8_t> read_frames(int64_t clip, const std::vector<int>& frames, bool enhanced) const;

 private:
  std::vector<std::string> folders_;
  std::vector<std::string> class_names_;
  int height_ = 0;
  int width_ = 0;
  std::vector<ClipRecord> records_;
  std::vector<std::vector<std::unique_ptr<ShardReader>>> readers_;  // [folder][shard]
};

}  // namespace dap
