#include "core/data/batch_loader.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "core/base/error.h"

namespace dap {

BatchLoader::BatchLoader(const ShardDataset& data, const DistributedSampler& sampler, const ViewSettings& settings,
                         uint64_t seed, int64_t first_step, int64_t end_step, int workers, int prefetch,
                         std::vector<int32_t> labels, const ClipFeatureSource* features)
    : data_(data),
      sampler_(sampler),
      builder_(data, settings),
      labels_(std::move(labels)),
      features_(features),
      seed_(seed),
      first_step_(first_step),
      end_step_(end_step),
      prefetch_(prefetch),
      local_batch_(sampler.local_batch()),
      next_step_(first_step) {
  if (!labels_.empty() && static_cast<int64_t>(labels_.size()) != data.size()) {
    throw Error("batch loader: " + std::to_string(labels_.size()) + " labels for " + std::to_string(data.size()) +
                " clips");
  }
  if (workers < 1 || prefetch < 1 || first_step < 0 || end_step < first_step) {
    throw Error("batch loader: need workers >= 1, prefetch >= 1 and 0 <= first_step <= end_step (got " +
                std::to_string(workers) + ", " + std::to_string(prefetch) + ", " + std::to_string(first_step) +
                ", " + std::to_string(end_step) + ")");
  }
  for (int w = 0; w < workers; ++w) workers_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

bool BatchLoader::done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_step_ >= end_step_;
}

BatchLoader::Pending& BatchLoader::pending_batch(int64_t step) {
  const auto found = pending_.find(step);
  if (found != pending_.end()) return *found->second;
  auto pending = std::make_unique<Pending>();
  Batch& b = pending->batch;
  if (!spare_.empty()) {  // a returned batch's buffers: same sizes, so resize() below neither allocates nor fills
    b.original = std::move(spare_.back().original);
    b.enhanced = std::move(spare_.back().enhanced);
    b.mixed = std::move(spare_.back().mixed);
    b.local = std::move(spare_.back().local);
    b.features_original = std::move(spare_.back().features_original);
    b.features_enhanced = std::move(spare_.back().features_enhanced);
    spare_.pop_back();
  }
  const ViewSettings& s = builder_.settings();
  b.global_step = step;
  b.epoch = step / sampler_.steps_per_epoch();
  b.step_in_epoch = step % sampler_.steps_per_epoch();
  b.clips = sampler_.batch(b.epoch, b.step_in_epoch);
  b.frames.assign(b.clips.size() * static_cast<size_t>(s.num_frames), 0);
  for (int64_t clip : b.clips) b.labels.push_back(labels_.empty() ? data_.record(clip).label : labels_[clip]);
  b.batch_size = static_cast<int>(local_batch_);
  b.num_frames = s.num_frames;
  b.size = s.size;
  b.local_size = s.local_size;
  const size_t global = static_cast<size_t>(local_batch_) * s.num_frames * 3 * s.size * s.size;
  b.original.resize(global);
  if (!s.single_view()) {
    b.enhanced.resize(global);
    b.mixed.resize(global);
    b.local.resize(static_cast<size_t>(local_batch_) * s.num_frames * 3 * s.local_size * s.local_size);
  }
  if (features_) {
    b.feature_width = features_->width();
    b.features_original.resize(static_cast<size_t>(local_batch_ * s.num_frames * b.feature_width));
    b.features_enhanced.resize(b.features_original.size());
  }
  pending->clips_left = local_batch_;
  return *(pending_[step] = std::move(pending));
}

// Builds clip `index` of the batch into its place; the slices are disjoint, so no lock is needed.
void BatchLoader::build_clip(Pending& pending, int64_t index) const {
  Batch& b = pending.batch;
  const int64_t clip = b.clips[index];
  const size_t global = builder_.view_floats() * static_cast<size_t>(index);
  const size_t local = builder_.local_view_floats() * static_cast<size_t>(index);
  ViewTargets targets{b.original.data() + global};
  if (!builder_.settings().single_view()) {
    targets = {b.original.data() + global, b.enhanced.data() + global, b.mixed.data() + global,
               b.local.data() + local};
  }
  ClipViews draws;
  builder_.build_into(clip, clip_view_seed(seed_, b.epoch, clip), targets, &draws);
  std::copy(draws.frames.begin(), draws.frames.end(), b.frames.begin() + index * b.num_frames);
  if (features_) {
    const size_t rows = static_cast<size_t>(index * b.num_frames * b.feature_width);
    const int32_t* frames = b.frames.data() + index * b.num_frames;
    features_->read_frames(clip, frames, b.num_frames, false, b.features_original.data() + rows);
    features_->read_frames(clip, frames, b.num_frames, true, b.features_enhanced.data() + rows);
  }
}

void BatchLoader::recycle(Batch&& batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (spare_.size() < 2) spare_.push_back(std::move(batch));
}

void BatchLoader::work() {
  const int64_t total_tasks = (end_step_ - first_step_) * local_batch_;
  for (;;) {
    Pending* pending = nullptr;
    int64_t index = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] {
        return stopping_ ||
               (next_task_ < total_tasks && first_step_ + next_task_ / local_batch_ < next_step_ + prefetch_);
      });
      if (stopping_) return;
      const int64_t task = next_task_++;
      const int64_t step = first_step_ + task / local_batch_;
      index = task % local_batch_;
      try {
        pending = &pending_batch(step);
      } catch (...) {  // the sampler or the data set refused the step: next() reports it
        auto& failed = pending_[step] = std::make_unique<Pending>();
        failed->error = std::current_exception();
        batch_ready_.notify_all();
        continue;
      }
      if (pending->batch.clips.empty()) continue;  // its setup failed (above); nothing to build
    }
    std::exception_ptr error;
    try {
      build_clip(*pending, index);
    } catch (const std::exception& e) {
      const int64_t clip = pending->batch.clips[index];
      const std::string what = "clip " + std::to_string(clip) + " ('" + data_.record(clip).id + "' in '" +
                               data_.shard_path(clip) + "'): " + e.what();
      error = dynamic_cast<const InputError*>(&e) ? std::make_exception_ptr(InputError(what))
                                                   : std::make_exception_ptr(Error(what));
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (error && !pending->error) pending->error = error;
    if (--pending->clips_left == 0) batch_ready_.notify_all();
  }
}

Batch BatchLoader::next() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_step_ >= end_step_) {
    throw Error("batch loader: next() called after the last step " + std::to_string(end_step_));
  }
  batch_ready_.wait(lock, [&] {
    const auto it = pending_.find(next_step_);
    return it != pending_.end() && it->second->clips_left == 0;
  });
  const auto it = pending_.find(next_step_);
  std::unique_ptr<Pending> pending = std::move(it->second);
  pending_.erase(it);
  ++next_step_;
  lock.unlock();
  work_ready_.notify_all();
  if (pending->error) std::rethrow_exception(pending->error);
  pending->batch.wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::move(pending->batch);
}

}  // namespace dap
