#include "preprocess/space_estimate.h"

#include "core/base/log.h"
#include "core/io/disk_space.h"

namespace dap {
namespace {

// Raw bytes of one sampled frame in a shard: its original and its enhanced copy.
double frame_bytes(const config::PreprocessConfig& c) { return 2.0 * 3.0 * c.resize.height * c.resize.width; }

}  // namespace

SpaceEstimate::SpaceEstimate(const config::PreprocessConfig& c, std::string folder)
    : config_(c), folder_(std::move(folder)) {
  // fps sampling takes at most max_frames of a video: an upper bound until a shard tells better.
  frames_per_video_ = c.sampling.mode == "uniform" ? c.sampling.num_frames : c.sampling.max_frames;
  if (c.output.compression == "none") {
    known_ = true;
    basis_ = "uncompressed";
  }
}

void SpaceEstimate::measure(const ShardSummary& shard) {
  if (known_ || shard.frames <= 0 || shard.videos <= 0) return;
  ratio_ = static_cast<double>(shard.bytes) / (static_cast<double>(shard.frames) * frame_bytes(config_));
  if (config_.sampling.mode != "uniform") {
    frames_per_video_ = static_cast<double>(shard.frames) / static_cast<double>(shard.videos);
  }
  known_ = true;
  basis_ = fmt::format("compressed to {:.0f}% as measured on {}", 100 * ratio_, shard.file);
}

void SpaceEstimate::report(int64_t videos) const {
  const double frames = frames_per_video_ * static_cast<double>(videos);
  const double needed = frames * frame_bytes(config_) * ratio_;
  const int64_t free = free_bytes(folder_);
  const std::string estimate =
      fmt::format("the shards of {} more video(s) need about {} ({:.0f} frames x {}x{}x3 bytes x 2 views, {})",
                  videos, format_bytes(needed), frames, config_.resize.height, config_.resize.width, basis_);
  if (free < 0) {
    spdlog::info("disk space: {}; the free space of {} is unknown", estimate, folder_);
  } else if (static_cast<double>(free) < needed) {
    spdlog::warn("disk space: {}, but {} has only {} free: it is likely to fill up before the end (free space or set "
                 "preprocess.output.dir elsewhere; a rerun keeps the finished shards)",
                 estimate, folder_, format_bytes(static_cast<double>(free)));
  } else {
    spdlog::info("disk space: {}; {} has {} free", estimate, folder_, format_bytes(static_cast<double>(free)));
  }
}

}  // namespace dap
