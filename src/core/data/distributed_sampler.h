// Which clips each rank trains on at each step, plus the portable random draws
// (seed mixing, bounded integers, unit reals, Fisher-Yates) the data path uses.
// Everything is a pure function of its seeds, so a resumed run needs only the
// global step, and 1 rank and N ranks with the same global batch see the same
// clips. No std:: distribution is used: their outputs differ between standard
// libraries, std::mt19937_64 itself does not.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

namespace dap {

// The splitmix64 finaliser: a well-mixed 64-bit function of x.
uint64_t splitmix64(uint64_t x);
// A 64-bit seed for one random decision, mixed from several integers (splitmix64 chain).
uint64_t mix_seed(std::initializer_list<uint64_t> parts);
// Uniform integer in [0, n), n > 0, without modulo bias (rejection).
uint64_t random_below(std::mt19937_64& rng, uint64_t n);
// Uniform double in [0, 1) from the top 53 bits of one draw.
double random_unit(std::mt19937_64& rng);

template <typename T>
void fisher_yates_shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[random_below(rng, i)]);
}

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
