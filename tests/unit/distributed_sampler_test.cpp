// DistributedSampler and the portable random draws: rank splits, epochs, seeds, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/base/error.h"
#include "core/data/distributed_sampler.h"
#include "support/input_error.h"

namespace dap {
namespace {

TEST(DistributedSampler, RanksAreDisjointAndTogetherTheOneRankBatch) {
  const DistributedSampler single(23, 6, 0, 1, 42);
  EXPECT_EQ(single.steps_per_epoch(), 3);
  EXPECT_EQ(single.local_batch(), 6);
  for (int world : {2, 3, 6}) {
    for (int64_t epoch : {0, 1, 5}) {
      for (int64_t step = 0; step < 3; ++step) {
        std::vector<int64_t> joined;
        for (int rank = 0; rank < world; ++rank) {
          const DistributedSampler sampler(23, 6, rank, world, 42);
          const std::vector<int64_t> part = sampler.batch(epoch, step);
          EXPECT_EQ(static_cast<int64_t>(part.size()), 6 / world);
          joined.insert(joined.end(), part.begin(), part.end());
        }
        EXPECT_EQ(joined, single.batch(epoch, step)) << "world " << world << " epoch " << epoch << " step " << step;
        EXPECT_EQ(std::set<int64_t>(joined.begin(), joined.end()).size(), joined.size()) << "ranks overlap";
      }
    }
  }
}

TEST(DistributedSampler, EveryClipAtMostOncePerEpochAndOnlyTheRemainderLeftOut) {
  const DistributedSampler sampler(23, 4, 1, 2, 7);
  std::vector<int64_t> permutation = sampler.epoch_permutation(3);
  std::sort(permutation.begin(), permutation.end());
  for (int64_t i = 0; i < 23; ++i) EXPECT_EQ(permutation[i], i);
  std::set<int64_t> seen;
  for (int rank = 0; rank < 2; ++rank) {
    const DistributedSampler part(23, 4, rank, 2, 7);
    for (int64_t step = 0; step < part.steps_per_epoch(); ++step) {
      for (int64_t clip : part.batch(3, step)) {
        EXPECT_TRUE(clip >= 0 && clip < 23) << clip;
        EXPECT_TRUE(seen.insert(clip).second) << "clip " << clip << " twice in one epoch";
      }
    }
  }
  EXPECT_EQ(seen.size(), 20u);  // 5 steps of 4; the last 3 clips of the permutation are dropped
}

TEST(DistributedSampler, EpochsDifferSameSeedRepeatsOtherSeedDiffers) {
  const DistributedSampler a(100, 10, 0, 1, 1), same(100, 10, 0, 1, 1), other(100, 10, 0, 1, 2);
  EXPECT_NE(a.epoch_permutation(0), a.epoch_permutation(1));
  EXPECT_EQ(a.epoch_permutation(4), same.epoch_permutation(4));
  EXPECT_EQ(a.batch(4, 7), same.batch(4, 7));
  EXPECT_NE(a.epoch_permutation(4), other.epoch_permutation(4));
  // Pinned values: a change of the shuffle or the seed mixing would silently change what resumed runs see.
  EXPECT_EQ(DistributedSampler(10, 2, 0, 1, 1).epoch_permutation(0),
            (std::vector<int64_t>{5, 1, 2, 7, 6, 4, 8, 9, 3, 0}));
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(mix_seed({1, 2}), mix_seed({1, 2}));
  EXPECT_NE(mix_seed({1, 2}), mix_seed({2, 1}));
  EXPECT_NE(mix_seed({1, 2}), mix_seed({1, 2, 0}));
}

TEST(DistributedSampler, RefusesBatchesThatCannotWorkNamingTheNumbers) {
  std::string message = testing::input_error_of([] { DistributedSampler(100, 10, 0, 3, 1); });
  EXPECT_NE(message.find("10"), std::string::npos) << message;
  EXPECT_NE(message.find("3 ranks"), std::string::npos) << message;
  message = testing::input_error_of([] { DistributedSampler(7, 8, 0, 2, 1); });
  EXPECT_NE(message.find("7 clips"), std::string::npos) << message;
  EXPECT_NE(message.find("8"), std::string::npos) << message;
  EXPECT_THROW(DistributedSampler(100, 0, 0, 1, 1), InputError);
  EXPECT_THROW(DistributedSampler(100, 8, 2, 2, 1), InputError);
  const DistributedSampler sampler(10, 4, 0, 1, 1);
  EXPECT_THROW(sampler.batch(0, 2), Error);
}

TEST(DistributedSampler, RandomBelowCoversItsRangeEvenly) {
  std::mt19937_64 rng(5);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const uint64_t value = random_below(rng, 7);
    ASSERT_LT(value, 7u);
    ++counts[value];
  }
  for (int count : counts) EXPECT_NEAR(count, 10000, 500);
  for (int i = 0; i < 1000; ++i) {
    const double u = random_unit(rng);
    ASSERT_TRUE(u >= 0.0 && u < 1.0) << u;
  }
}

}  // namespace
}  // namespace dap
