#include "core/io/shard_writer.h"

#include <cstdio>
#include <filesystem>

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/io/disk_space.h"
#include "core/io/sha256.h"
#include "core/io/shard_format.h"
#include "dap/version.h"

namespace dap {
namespace {

h5::Handle create_frame_dataset(hid_t file, const char* name, const ShardSettings& s) {
  hsize_t dims[4] = {0, static_cast<hsize_t>(s.height), static_cast<hsize_t>(s.width), 3};
  hsize_t max_dims[4] = {H5S_UNLIMITED, dims[1], dims[2], 3};
  // One chunk per frame: a reader fetching T frames of a clip touches T chunks.
  hsize_t chunk[4] = {1, dims[1], dims[2], 3};
  h5::Handle space = h5::check_id(H5Screate_simple(4, dims, max_dims), "H5Screate_simple");
  h5::Handle properties = h5::check_id(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
  h5::check(H5Pset_chunk(properties.get(), 4, chunk), "H5Pset_chunk");
  if (s.compression == "gzip") {
    if (s.shuffle) h5::check(H5Pset_shuffle(properties.get()), "H5Pset_shuffle");
    h5::check(H5Pset_deflate(properties.get(), static_cast<unsigned>(s.compression_level)), "H5Pset_deflate");
  } else if (s.compression != "none") {
    throw Error("unknown shard compression '" + s.compression + "' (gzip or none)");
  }
  return h5::check_id(H5Dcreate2(file, name, H5T_STD_U8LE, space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                      std::string("H5Dcreate2 ") + name);
}

}  // namespace

ShardWriter::ShardWriter(const std::string& final_path, const ShardSettings& settings)
    : final_path_(final_path), temporary_path_(final_path + shard::kTemporarySuffix), settings_(settings) {
  h5::disable_auto_error_printing();
  try {
    file_ = h5::check_id(H5Fcreate(temporary_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                         "H5Fcreate " + temporary_path_);
    const hid_t f = file_.get();
    h5::write_string_attribute(f, shard::kAttrFormat, shard::kFormat);
    h5::write_int_attribute(f, shard::kAttrFormatVersion, shard::kFormatVersion);
    h5::write_int_attribute(f, shard::kAttrHeight, settings.height);
    h5::write_int_attribute(f, shard::kAttrWidth, settings.width);
    h5::write_string_attribute(f, shard::kAttrEnhancer, settings.enhancer);
    h5::write_string_attribute(f, shard::kAttrEnhancerSha256, settings.enhancer_sha256);
    h5::write_string_attribute(f, shard::kAttrConfig, settings.config_text);
    h5::write_string_attribute(f, shard::kAttrProducer, kProducer);
    h5::write_string_attribute(f, shard::kAttrSettingsSha256, settings.settings_sha256);
    frames_ = create_frame_dataset(f, shard::kFrames, settings);
    frames_enhanced_ = create_frame_dataset(f, shard::kFramesEnhanced, settings);
  } catch (const std::exception&) {
    rethrow_failure();  // the destructor does not run for a half-built writer: its cleanup is here
  }
}

ShardWriter::~ShardWriter() {
  if (!finished_) discard();
}

void ShardWriter::discard() {
  frames_.reset();
  frames_enhanced_.reset();
  file_.reset();
  std::remove(temporary_path_.c_str());
}

void ShardWriter::rethrow_failure() {
  // A full disk or spent quota is told apart while the partial file still holds the space.
  const int space = out_of_space_errno(std::filesystem::path(final_path_).parent_path().string());
  discard();
  finished_ = true;  // nothing left to clean up
  if (space != 0) throw out_of_space_error(final_path_, space);
  throw;
}

void ShardWriter::append_frames(hid_t dataset, const std::vector<uint8_t>& pixels, int64_t count) {
  const hsize_t h = settings_.height, w = settings_.width;
  if (pixels.size() != static_cast<size_t>(count) * h * w * 3) {
    throw Error("ShardWriter: frame buffer has " + std::to_string(pixels.size()) + " bytes, expected " +
                std::to_string(count * h * w * 3));
  }
  const hsize_t start = static_cast<hsize_t>(frames());
  hsize_t new_dims[4] = {start + count, h, w, 3};
  h5::check(H5Dset_extent(dataset, new_dims), "H5Dset_extent");
  h5::Handle file_space = h5::check_id(H5Dget_space(dataset), "H5Dget_space");
  hsize_t offset[4] = {start, 0, 0, 0};
  hsize_t block[4] = {static_cast<hsize_t>(count), h, w, 3};
  h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset, nullptr, block, nullptr),
            "H5Sselect_hyperslab");
  h5::Handle memory_space = h5::check_id(H5Screate_simple(4, block, nullptr), "H5Screate_simple");
  h5::check(H5Dwrite(dataset, H5T_NATIVE_UINT8, memory_space.get(), file_space.get(), H5P_DEFAULT, pixels.data()),
            "H5Dwrite frames to " + temporary_path_);
}

void ShardWriter::add_video(const VideoFrames& video) {
  if (finished_) throw Error("ShardWriter: " + final_path_ + " is already finished or abandoned");
  const int64_t n = video.frame_count();
  try {
    if (n > 0) {
      append_frames(frames_.get(), video.original, n);
      append_frames(frames_enhanced_.get(), video.enhanced, n);
    }
  } catch (const std::exception&) {
    rethrow_failure();
  }
  offsets_.push_back(offsets_.back() + n);
  ids_.push_back(video.id);
  labels_.push_back(video.label);
  fps_.push_back(video.source_fps);
  source_indices_.insert(source_indices_.end(), video.source_frame_indices.begin(), video.source_frame_indices.end());
}

ShardSummary ShardWriter::finish() {
  if (finished_) throw Error("ShardWriter: " + final_path_ + " is already finished or abandoned");
  ShardSummary summary;
  try {
    const hid_t f = file_.get();
    h5::write_vector(f, shard::kVideoOffsets, offsets_);
    h5::write_strings(f, shard::kVideoIds, ids_);
    h5::write_vector(f, shard::kLabels, labels_);
    h5::write_vector(f, shard::kSourceFrameIndices, source_indices_);
    h5::write_vector(f, shard::kSourceFps, fps_);
    // Everything buffered is written here, where a failure is seen: closing would drop it.
    h5::check(H5Fflush(f, H5F_SCOPE_GLOBAL), "H5Fflush " + temporary_path_);
    frames_.reset();
    frames_enhanced_.reset();
    file_.reset();

    summary.file = std::filesystem::path(final_path_).filename().string();
    summary.videos = videos();
    summary.frames = offsets_.back();
    summary.bytes = static_cast<int64_t>(std::filesystem::file_size(temporary_path_));
    summary.sha256 = sha256_file(temporary_path_);
    summary.video_ids = ids_;

    // Checksum first, then the rename: the shard appears under its final name only
    // once its checksum is on disk.
    write_text_file(final_path_ + shard::kChecksumSuffix, summary.sha256 + "\n");
  } catch (const std::exception&) {
    rethrow_failure();
  }
  std::filesystem::rename(temporary_path_, final_path_);
  finished_ = true;
  return summary;
}

}  // namespace dap
