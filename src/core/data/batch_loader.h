// Prepares training batches on background threads while the trainer computes:
// the batches of global steps [first_step, end_step), at most `prefetch` ahead,
// returned strictly in step order. The views of clip c in epoch E use the seed
// mix_seed({seed, E, c}), so batches do not depend on rank count, worker count
// or timing. Workers split the work per clip, and read each clip's cached
// features too when given a ClipFeatureSource.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/data/clip_features.h"
#include "core/data/clip_views.h"
#include "core/data/distributed_sampler.h"
#include "core/data/shard_dataset.h"

namespace dap {

struct Batch {
  int64_t global_step = 0, epoch = 0, step_in_epoch = 0;
  std::vector<int64_t> clips;
  std::vector<int32_t> labels;
  std::vector<int32_t> frames;  // [B, T]: the stored frames of each clip's o and e views
  // [B, T, 3, size, size] for original/enhanced/mixed, [B, T, 3, local_size, local_size] for local
  std::vector<float> original, enhanced, mixed, local;
  // [B, T, feature_width]: the o and e views' rows from the ClipFeatureSource, for
  // the drawn frames; empty without one.
  std::vector<float> features_original, features_enhanced;
  int64_t feature_width = 0;
  int batch_size = 0, num_frames = 0, size = 0, local_size = 0;
  double wait_seconds = 0;  // how long next() waited for this batch
};

class BatchLoader {
 public:
  // labels: one per clip of `data` (e.g. pseudo-labels) in place of the shards'
  // own; empty: the shards' labels. features: read into each batch
  // (Batch::features_*) when given; it must outlive the loader.
  BatchLoader(const ShardDataset& data, const DistributedSampler& sampler, const ViewSettings& settings,
              uint64_t seed, int64_t first_step, int64_t end_step, int workers, int prefetch,
              std::vector<int32_t> labels = {}, const ClipFeatureSource* features = nullptr);
  // Stops and joins the workers (each finishes at most the clip it is building).
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  bool done() const;  // all batches up to end_step returned
  // Blocks until the next step's batch is ready. A worker's exception is rethrown
  // here, naming the clip; calling next() when done() throws.
  Batch next();
  // Gives a used batch back: its buffers are reused for a later step, so a
  // steady-state loop allocates (and zero-fills) no batch memory.
  void recycle(Batch&& batch);

 private:
  struct Pending {  // a batch being filled
    Batch batch;
    int64_t clips_left = 0;
    std::exception_ptr error;
  };
  void work();
  Pending& pending_batch(int64_t step);  // creates it on first use; needs mutex_
  void build_clip(Pending& pending, int64_t index) const;

  const ShardDataset& data_;
  const DistributedSampler& sampler_;
  ClipViewBuilder builder_;
  std::vector<int32_t> labels_;
  const ClipFeatureSource* features_;
  uint64_t seed_;
  int64_t first_step_, end_step_;
  int prefetch_;
  int64_t local_batch_;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_, batch_ready_;
  std::map<int64_t, std::unique_ptr<Pending>> pending_;  // by global step
  std::vector<Batch> spare_;                               // recycled batches, for their buffers
  int64_t next_task_ = 0;   // clip tasks claimed so far, counted from first_step
  int64_t next_step_;       // the step next() returns next
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dap
