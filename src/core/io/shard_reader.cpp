#include "core/io/shard_reader.h"

#include <algorithm>
#include <filesystem>

#include "core/base/error.h"
#include "core/io/shard_format.h"

namespace dap {

ShardReader::ShardReader(const std::string& path, bool direct_chunks) : path_(path) {
  h5::disable_auto_error_printing();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError("cannot open shard '" + path + "' (missing, truncated or not HDF5)");
  }
  file_ = h5::Handle(id);
  const hid_t f = file_.get();
  const std::string format =
      h5::has_attribute(f, shard::kAttrFormat) ? h5::read_string_attribute(f, shard::kAttrFormat) : "(none)";
  const int64_t version =
      h5::has_attribute(f, shard::kAttrFormatVersion) ? h5::read_int_attribute(f, shard::kAttrFormatVersion) : -1;
  if (format != shard::kFormat || version != shard::kFormatVersion) {
    throw InputError("'" + path + "' has format \"" + format + "\" version " + std::to_string(version) +
                     "; this reader knows only \"" + shard::kFormat + "\" version " +
                     std::to_string(shard::kFormatVersion));
  }
  height_ = static_cast<int>(h5::read_int_attribute(f, shard::kAttrHeight));
  width_ = static_cast<int>(h5::read_int_attribute(f, shard::kAttrWidth));
  offsets_ = h5::read_int64_vector(f, shard::kVideoOffsets);
  video_ids_ = h5::read_strings(f, shard::kVideoIds);
  labels_ = h5::read_int32_vector(f, shard::kLabels);
  source_indices_ = h5::read_int32_vector(f, shard::kSourceFrameIndices);
  source_fps_ = h5::read_float_vector(f, shard::kSourceFps);
  const size_t videos = video_ids_.size();
  if (offsets_.size() != videos + 1 || labels_.size() != videos || source_fps_.size() != videos ||
      source_indices_.size() != static_cast<size_t>(frame_count())) {
    throw InputError("shard '" + path + "' is inconsistent: dataset lengths do not match video_offsets");
  }
  frames_ = std::make_unique<FrameChunks>(f, shard::kFrames, height_, width_, path, direct_chunks);
  enhanced_ = std::make_unique<FrameChunks>(f, shard::kFramesEnhanced, height_, width_, path, direct_chunks);
}

std::string ShardReader::attribute(const std::string& name) const {
  return h5::read_string_attribute(file_.get(), name);
}

std::vector<uint8_t> ShardReader::read_frames(int64_t first_frame, int64_t count, bool enhanced) const {
  std::vector<uint8_t> pixels(static_cast<size_t>(std::max<int64_t>(count, 0)) * height_ * width_ * 3);
  read_frames_into(first_frame, count, enhanced, pixels.data());
  return pixels;
}

void ShardReader::read_frames_into(int64_t first_frame, int64_t count, bool enhanced, uint8_t* out) const {
  if (first_frame < 0 || count < 0 || first_frame + count > frame_count()) {
    throw Error("read_frames: range out of bounds in '" + path_ + "'");
  }
  if (count == 0) return;
  try {
    (enhanced ? enhanced_ : frames_)->read(first_frame, count, out);
  } catch (const Error& e) {
    const std::string what = e.what();  // its first line: HDF5's error stack would follow
    const std::string folder = std::filesystem::path(path_).parent_path().string();
    throw DamagedShardError(what.substr(0, what.find('\n')) + ": the shard " + path_ +
                            " is damaged. Rerun the same dap-preprocess (or the pipeline) on " + folder +
                            ": it finds that this shard's checksum no longer matches and redoes its videos; "
                            "then run this stage again");
  }
}

std::vector<uint8_t> ShardReader::read_video(int64_t video, bool enhanced) const {
  return read_frames(offsets_.at(video), offsets_.at(video + 1) - offsets_.at(video), enhanced);
}

}  // namespace dap
