#include "core/data/shard_dataset.h"

#include <cstring>
#include <filesystem>

#include "core/base/error.h"
#include "core/io/hdf5_handle.h"
#include "core/io/shard_index.h"
#include "core/io/shard_reader.h"

namespace dap {

namespace {

std::string quoted_list(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "'" : ", '") + item + "'";
  return text;
}

std::string size_text(int height, int width) { return std::to_string(height) + "x" + std::to_string(width); }

}  // namespace

// Shards are opened here, once: the per-video labels and frame counts live only
// in the shard files, not in index.json. The readers then stay open for reading.
ShardDataset::ShardDataset(const std::vector<std::string>& folders, bool direct_chunks) : folders_(folders) {
  if (folders.empty()) throw InputError("no shard folders given for the training data");
  for (size_t f = 0; f < folders.size(); ++f) {
    const ShardIndex index = read_shard_index(folders[f]);
    if (f == 0) {
      height_ = index.height;
      width_ = index.width;
      class_names_ = index.class_names;
    } else if (index.height != height_ || index.width != width_) {
      throw InputError("shard folders '" + folders[0] + "' (" + size_text(height_, width_) + ") and '" + folders[f] +
                       "' (" + size_text(index.height, index.width) + ") have different frame sizes");
    }
    readers_.emplace_back();
    for (size_t s = 0; s < index.shards.size(); ++s) {
      const ShardSummary& summary = index.shards[s];
      const std::string path = (std::filesystem::path(folders[f]) / summary.file).string();
      auto reader = std::make_unique<ShardReader>(path, direct_chunks);
      if (reader->height() != height_ || reader->width() != width_ || reader->video_ids() != summary.video_ids) {
        throw InputError("shard '" + path + "' does not match the index.json of '" + folders[f] +
                         "' (frame size or video ids differ; was the folder rewritten?)");
      }
      for (int64_t v = 0; v < reader->video_count(); ++v) {
        ClipRecord record;
        record.folder = static_cast<int>(f);
        record.shard = static_cast<int>(s);
        record.video = v;
        record.frame_count = reader->video_offsets()[v + 1] - reader->video_offsets()[v];
        record.first_frame = reader->video_offsets()[v];
        record.label = reader->labels()[v];
        record.id = reader->video_ids()[v];
        if (record.frame_count <= 0) throw InputError("video '" + record.id + "' in '" + path + "' has no frames");
        records_.push_back(std::move(record));
      }
      readers_.back().push_back(std::move(reader));
    }
  }
  if (records_.empty()) throw InputError("no videos in the shard folder(s) " + quoted_list(folders));
}

ShardDataset::~ShardDataset() = default;

const ClipRecord& ShardDataset::record(int64_t clip) const {
  if (clip < 0 || clip >= size()) {
    throw Error("clip " + std::to_string(clip) + " is outside the data set of " + std::to_string(size()) +
                " clips in " + quoted_list(folders_));
  }
  return records_[static_cast<size_t>(clip)];
}

const std::string& ShardDataset::shard_path(int64_t clip) const {
  const ClipRecord& r = record(clip);
  return readers_[r.folder][r.shard]->path();
}

std::vector<uint8_t> ShardDataset::read_frames(int64_t clip, const std::vector<int>& frames, bool enhanced) const {
  const ClipRecord& r = record(clip);
  const ShardReader& reader = *readers_[r.folder][r.shard];
  // Thread-safe HDF5 keeps this setting per thread: loader threads must silence it too (errors still throw).
  h5::disable_auto_error_printing();
  const int64_t first_frame = reader.video_offsets()[r.video];
  const size_t frame_bytes = static_cast<size_t>(height_) * width_ * 3;
  std::vector<uint8_t> pixels(frames.size() * frame_bytes);
  for (size_t i = 0; i < frames.size(); ++i) {
    uint8_t* out = pixels.data() + i * frame_bytes;
    if (i > 0 && frames[i] == frames[i - 1]) {  // a repeated index (clips shorter than the view): read once
      std::memcpy(out, out - frame_bytes, frame_bytes);
      continue;
    }
    if (frames[i] < 0 || frames[i] >= r.frame_count) {
      throw Error("frame index " + std::to_string(frames[i]) + " out of range 0.." + std::to_string(r.frame_count - 1) +
                  " of video '" + r.id + "' in '" + reader.path() + "'");
    }
    reader.read_frames_into(first_frame + frames[i], 1, enhanced, out);
  }
  return pixels;
}

}  // namespace dap
