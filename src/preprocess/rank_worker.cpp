#include "preprocess/rank_worker.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/base/phase_times.h"
#include "core/video/clip_reader.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

ClipRequest clip_request(const config::PreprocessConfig& c) {
  ClipRequest request;
  request.mode = c.sampling.mode;
  request.num_frames = c.sampling.num_frames;
  request.fps = c.sampling.fps;
  request.max_frames = c.sampling.max_frames;
  request.height = c.resize.height;
  request.width = c.resize.width;
  request.preserve_aspect = c.resize.mode == "crop";
  request.decode_needed = c.decode == "needed";
  return request;
}

// Copies frames unchanged: for enhancer = "none" (the enhanced dataset still exists).
class IdentityEnhancer : public FrameEnhancer {
 public:
  void enhance(const uint8_t* frames, int n, int h, int w, uint8_t* out) override {
    std::copy(frames, frames + static_cast<size_t>(n) * h * w * 3, out);
  }
  std::string name() const override { return "none"; }
  std::string weights_sha256() const override { return ""; }
};

}  // namespace

std::unique_ptr<FrameEnhancer> make_enhancer(const config::PreprocessConfig& c) {
  if (c.enhancer.name == "none") return std::make_unique<IdentityEnhancer>();
  return make_sci_enhancer(c.enhancer.weights, c.enhancer.batch_size);
}

void RankWorker::process(const ManifestEntry& entry, FrameEnhancer& enhancer) {
  ++claimed_;
  VideoFrames video;
  video.id = entry.id;
  video.label = entry.label;
  try {
    SampledClip clip = read_sampled_clip((fs::path(config_.data.root) / entry.path).string(), clip_request(config_));
    video.source_fps = clip.source_fps;
    video.source_frame_indices = std::move(clip.source_frame_indices);
    video.original = std::move(clip.frames);
  } catch (const InputError& e) {
    spdlog::warn("skipping video '{}': {}", entry.id, e.what());
    failures_.push_back({entry.id, entry.path, e.what()});
    return;
  }
  video.enhanced.resize(video.original.size());
  {
    phase_times::Scope timing(phase_times::kEnhance);
    enhancer.enhance(video.original.data(), static_cast<int>(video.frame_count()), settings_.height, settings_.width,
                     video.enhanced.data());
  }
  {
    phase_times::Scope timing(phase_times::kWrite);  // HDF5 write, compression included
    if (!writer_) open_shard();
    writer_->add_video(video);
  }
  frames_ += video.frame_count();
  phase_times::count(phase_times::kStoredFrames, video.frame_count());
  if (writer_->videos() >= config_.output.videos_per_shard) close_shard();
}

void RankWorker::open_shard() {
  char name[96];
  std::snprintf(name, sizeof(name), "shard-%s-r%03d-%05d.h5", session_.c_str(), rank_, next_shard_++);
  writer_ = std::make_unique<ShardWriter>((fs::path(folder_) / name).string(), settings_);
}

void RankWorker::close_shard() {
  phase_times::Scope timing(phase_times::kWrite);
  shards_.push_back(writer_->finish());
  writer_.reset();
}

}  // namespace dap
