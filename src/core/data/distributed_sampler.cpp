#include "core/data/distributed_sampler.h"

#include <numeric>
#include <string>

#include "core/base/error.h"

namespace dap {

DistributedSampler::DistributedSampler(int64_t dataset_size, int64_t global_batch, int rank, int world,
                                       uint64_t seed)
    : dataset_size_(dataset_size), global_batch_(global_batch), rank_(rank), world_(world), seed_(seed) {
  if (world < 1 || rank < 0 || rank >= world) {
    throw InputError("sampler: rank " + std::to_string(rank) + " is not in a world of " + std::to_string(world));
  }
  // Every rank finds these alike, so each ends with the bad-input exit instead of an abort.
  if (global_batch < 1 || global_batch % world != 0) {
    throw BadInputError("global batch " + std::to_string(global_batch) + " does not split evenly over " +
                        std::to_string(world) + " ranks");
  }
  if (dataset_size < global_batch) {
    throw BadInputError("data set of " + std::to_string(dataset_size) + " clips is smaller than the global batch " +
                        std::to_string(global_batch) + " (lower optim.global_batch, or select more clips)");
  }
}

DistributedSampler::DistributedSampler(std::vector<int64_t> clips, int64_t global_batch, int rank, int world,
                                       uint64_t seed)
    : DistributedSampler(static_cast<int64_t>(clips.size()), global_batch, rank, world, seed) {
  clips_ = std::move(clips);
}

std::vector<int64_t> DistributedSampler::epoch_permutation(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(dataset_size_));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::mt19937_64 rng(mix_seed({seed_, static_cast<uint64_t>(epoch)}));
  fisher_yates_shuffle(order, rng);
  return order;
}

std::vector<int64_t> DistributedSampler::batch(int64_t epoch, int64_t step) const {
  if (step < 0 || step >= steps_per_epoch()) {
    throw Error("sampler: step " + std::to_string(step) + " outside an epoch of " +
                std::to_string(steps_per_epoch()) + " steps");
  }
  const std::vector<int64_t> order = epoch_permutation(epoch);
  const auto first = order.begin() + step * global_batch_ + rank_ * local_batch();
  std::vector<int64_t> clips(first, first + local_batch());
  if (!clips_.empty()) {
    for (auto& clip : clips) clip = clips_[static_cast<size_t>(clip)];
  }
  return clips;
}

}  // namespace dap
