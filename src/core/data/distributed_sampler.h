// Which clips each rank trains on at each step. Everything is a pure function
// of the seed (core/base/random.h), so a resumed run needs only the global
// step, and 1 rank and N ranks with the same global batch see the same clips.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/base/random.h"

namespace dap {

// Each epoch is a permutation of 0..size-1 seeded by (seed, epoch). Step s of
// an epoch uses positions [s*G, (s+1)*G) (G = global batch); rank r takes the
// contiguous part [r*G/world, (r+1)*G/world). Incomplete last batches are dropped.
class DistributedSampler {
 public:
  // Throws InputError if global_batch % world != 0 or dataset_size < global_batch.
  DistributedSampler(int64_t dataset_size, int64_t global_batch, int rank, int world, uint64_t seed);
  // Samples only `clips` (indices into the data set, e.g. a split or the
  // pseudo-labelled videos): positions of the permutation map to clips[i].
  DistributedSampler(std::vector<int64_t> clips, int64_t global_batch, int rank, int world, uint64_t seed);

  int64_t dataset_size() const { return dataset_size_; }  // clips sampled from
  int64_t global_batch() const { return global_batch_; }
  int64_t steps_per_epoch() const { return dataset_size_ / global_batch_; }
  int64_t local_batch() const { return global_batch_ / world_; }
  int rank() const { return rank_; }
  int world() const { return world_; }

  std::vector<int64_t> epoch_permutation(int64_t epoch) const;
  // This rank's clips at `step` (0 <= step < steps_per_epoch()) of `epoch`: local_batch() of them.
  std::vector<int64_t> batch(int64_t epoch, int64_t step) const;

 private:
  int64_t dataset_size_;
  std::vector<int64_t> clips_;  // empty: the identity
  int64_t global_batch_;
  int rank_;
  int world_;
  uint64_t seed_;
};

}  // namespace dap
