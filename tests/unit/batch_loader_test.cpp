// BatchLoader: step order, equality with views built directly, independence
// of worker and rank counts, prompt shutdown, worker errors reaching next(), and
// the features of a ClipFeatureSource read per clip.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>

#include "core/base/error.h"
#include "core/data/batch_loader.h"
#include "support/synthetic_shards.h"
#include "support/test_paths.h"

namespace dap {
namespace {

ViewSettings small_views() {
  ViewSettings s;
  s.num_frames = 3;
  s.size = 16;
  s.local_size = 8;
  s.patch_size = 8;
  return s;
}

std::vector<Batch> load_all(const ShardDataset& data, const DistributedSampler& sampler, int64_t first, int64_t end,
                            int workers, int prefetch) {
  BatchLoader loader(data, sampler, small_views(), 99, first, end, workers, prefetch);
  std::vector<Batch> batches;
  while (!loader.done()) batches.push_back(loader.next());
  EXPECT_THROW(loader.next(), Error);
  return batches;
}

class BatchLoaderOnShards : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_shards(a_.path(), 24, 32, {6, 6, 6, 4}, 3, "A", testing::pattern_pixel);
    testing::write_synthetic_shards(b_.path(), 24, 32, {5, 7, 6}, 2, "B", testing::pattern_pixel);
    data_ = std::make_unique<ShardDataset>(std::vector<std::string>{a_.path(), b_.path()});
  }
  testing::TempDir a_, b_;
  std::unique_ptr<ShardDataset> data_;  // 7 clips
};

TEST_F(BatchLoaderOnShards, ReturnsStepsInOrderWithViewsBuiltFromTheClipSeeds) {
  const DistributedSampler sampler(7, 2, 0, 1, 5);  // 3 steps per epoch
  const std::vector<Batch> batches = load_all(*data_, sampler, 2, 8, 2, 2);
  ASSERT_EQ(batches.size(), 6u);
  const ClipViewBuilder builder(*data_, small_views());
  for (size_t i = 0; i < batches.size(); ++i) {
    const Batch& b = batches[i];
    const int64_t step = 2 + static_cast<int64_t>(i);
    EXPECT_EQ(b.global_step, step);
    EXPECT_EQ(b.epoch, step / 3);
    EXPECT_EQ(b.step_in_epoch, step % 3);
    EXPECT_EQ(b.clips, sampler.batch(step / 3, step % 3));
    EXPECT_EQ(b.batch_size, 2);
    EXPECT_EQ(b.num_frames, 3);
    EXPECT_EQ(b.size, 16);
    EXPECT_EQ(b.local_size, 8);
    EXPECT_GE(b.wait_seconds, 0.0);
    const size_t global = 3 * 3 * 16 * 16, local = 3 * 3 * 8 * 8;
    ASSERT_EQ(b.original.size(), 2 * global);
    ASSERT_EQ(b.local.size(), 2 * local);
    for (int k = 0; k < 2; ++k) {
      const int64_t clip = b.clips[k];
      EXPECT_EQ(b.labels[k], data_->record(clip).label);
      const uint64_t seed = mix_seed({99, static_cast<uint64_t>(b.epoch), static_cast<uint64_t>(clip)});
      const ClipViews v = builder.build(clip, seed);
      EXPECT_TRUE(std::equal(v.original.begin(), v.original.end(), b.original.begin() + k * global)) << step << k;
      EXPECT_TRUE(std::equal(v.enhanced.begin(), v.enhanced.end(), b.enhanced.begin() + k * global)) << step << k;
      EXPECT_TRUE(std::equal(v.mixed.begin(), v.mixed.end(), b.mixed.begin() + k * global)) << step << k;
      EXPECT_TRUE(std::equal(v.local.begin(), v.local.end(), b.local.begin() + k * local)) << step << k;
    }
  }
}

TEST_F(BatchLoaderOnShards, SameBatchesWithOneOrThreeWorkersAndOneOrTwoRanks) {
  const DistributedSampler single(7, 2, 0, 1, 5);
  const std::vector<Batch> one = load_all(*data_, single, 0, 6, 1, 1);
  const std::vector<Batch> three = load_all(*data_, single, 0, 6, 3, 4);
  const std::vector<Batch> rank0 = load_all(*data_, DistributedSampler(7, 2, 0, 2, 5), 0, 6, 2, 2);
  const std::vector<Batch> rank1 = load_all(*data_, DistributedSampler(7, 2, 1, 2, 5), 0, 6, 3, 1);
  ASSERT_EQ(one.size(), 6u);
  ASSERT_EQ(three.size(), 6u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].clips, three[i].clips);
    EXPECT_EQ(one[i].original, three[i].original) << i;
    EXPECT_EQ(one[i].mixed, three[i].mixed) << i;
    EXPECT_EQ(one[i].local, three[i].local) << i;
    const auto joined = [](const std::vector<float>& x, const std::vector<float>& y) {
      std::vector<float> both(x);
      both.insert(both.end(), y.begin(), y.end());
      return both;
    };
    EXPECT_EQ(joined(rank0[i].original, rank1[i].original), one[i].original) << i;
    EXPECT_EQ(joined(rank0[i].local, rank1[i].local), one[i].local) << i;
  }
}

TEST_F(BatchLoaderOnShards, StopsPromptlyWhenDestroyedEarly) {
  const DistributedSampler sampler(7, 2, 0, 1, 5);
  const auto start = std::chrono::steady_clock::now();
  {
    BatchLoader loader(*data_, sampler, small_views(), 1, 0, 100000, 3, 2);
    loader.next();
  }
  { BatchLoader untouched(*data_, sampler, small_views(), 1, 0, 100000, 3, 2); }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
}

// A ClipFeatureSource whose row of (clip, frame, view) holds width copies of a value naming all three.
class NamingFeatures : public ClipFeatureSource {
 public:
  int64_t width() const override { return 5; }
  void read_frames(int64_t clip, const int32_t* frames, int64_t count, bool enhanced, float* out) const override {
    for (int64_t t = 0; t < count; ++t) std::fill_n(out + t * 5, 5, value(clip, frames[t], enhanced));
  }
  static float value(int64_t clip, int32_t frame, bool enhanced) {
    return static_cast<float>(clip * 1000 + frame * 10 + (enhanced ? 1 : 0));
  }
};

TEST_F(BatchLoaderOnShards, ReadsEachClipsFeaturesOfItsDrawnFramesWithOneOrThreeWorkers) {
  const DistributedSampler sampler(7, 2, 0, 1, 5);
  const NamingFeatures features;
  for (int workers : {1, 3}) {
    BatchLoader loader(*data_, sampler, small_views(), 99, 0, 6, workers, 2, {}, &features);
    while (!loader.done()) {
      Batch b = loader.next();
      ASSERT_EQ(b.feature_width, 5);
      ASSERT_EQ(b.features_original.size(), 2u * 3 * 5);
      ASSERT_EQ(b.features_enhanced.size(), 2u * 3 * 5);
      for (int64_t k = 0; k < 2; ++k) {
        for (int64_t t = 0; t < 3; ++t) {
          const int32_t frame = b.frames[k * 3 + t];
          for (int64_t i = 0; i < 5; ++i) {
            const size_t at = static_cast<size_t>((k * 3 + t) * 5 + i);
            EXPECT_EQ(b.features_original[at], NamingFeatures::value(b.clips[k], frame, false)) << workers;
            EXPECT_EQ(b.features_enhanced[at], NamingFeatures::value(b.clips[k], frame, true)) << workers;
          }
        }
      }
      loader.recycle(std::move(b));  // recycled buffers are filled again
    }
  }
}

// Overwrites the stored (deflated) bytes of every frame of video `video` in `file` so they no longer inflate.
void corrupt_frames(const std::string& file, int64_t first_frame, int64_t frames) {
  std::vector<std::pair<haddr_t, hsize_t>> chunks;
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(f, "frames", H5P_DEFAULT);
  for (int64_t frame = first_frame; frame < first_frame + frames; ++frame) {
    const hsize_t offset[4] = {static_cast<hsize_t>(frame), 0, 0, 0};
    unsigned filter_mask = 0;
    haddr_t address = 0;
    hsize_t size = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(set, offset, &filter_mask, &address, &size), 0);
    chunks.emplace_back(address, size);
  }
  H5Dclose(set);
  H5Fclose(f);
  std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
  for (const auto& [address, size] : chunks) {
    out.seekp(static_cast<std::streamoff>(address));
    out << std::string(size, '\xff');
  }
}

TEST_F(BatchLoaderOnShards, AWorkerErrorReachesNextNamingTheClip) {
  // B-v1 is video 1 of the first shard of folder B: its frames are 5..11 of that shard.
  const std::string shard = data_->shard_path(5);
  ASSERT_EQ(data_->record(5).id, "B-v1");
  data_.reset();
  corrupt_frames(shard, 5, 7);
  data_ = std::make_unique<ShardDataset>(std::vector<std::string>{a_.path(), b_.path()});
  const DistributedSampler sampler(7, 7, 0, 1, 5);  // every clip in every step
  BatchLoader loader(*data_, sampler, small_views(), 1, 0, 3, 2, 2);
  try {
    loader.next();
    FAIL() << "a corrupt clip was loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("B-v1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(shard), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dap
