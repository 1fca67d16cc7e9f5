// The four views of a clip (METHOD.md section 2): frame indices, the balanced
// mix mask, o/e/m/l against the stored pixels, resizing, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "core/base/error.h"
#include "core/data/clip_views.h"
#include "support/synthetic_shards.h"
#include "support/test_paths.h"

namespace dap {
namespace {

float normalised(uint8_t value, int c, const ViewSettings& s) { return (value / 255.0f - s.mean[c]) / s.std[c]; }

ViewSettings small_views() {
  ViewSettings s;
  s.num_frames = 4;
  s.size = 32;
  s.local_size = 16;
  s.patch_size = 8;
  return s;
}

TEST(ClipViews, SegmentCentresWithoutJitter) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(segment_frame_indices(16, 8, false, rng), (std::vector<int>{1, 3, 5, 7, 9, 11, 13, 15}));
  EXPECT_EQ(segment_frame_indices(10, 4, false, rng), (std::vector<int>{1, 3, 6, 8}));
  EXPECT_EQ(segment_frame_indices(8, 8, false, rng), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_THROW(segment_frame_indices(0, 8, false, rng), Error);
}

TEST(ClipViews, JitterStaysInsideEachSegmentAndVaries) {
  for (int64_t frames : {8, 10, 37}) {
    std::set<std::vector<int>> distinct;
    for (uint64_t seed = 0; seed < 50; ++seed) {
      std::mt19937_64 rng(seed);
      const std::vector<int> indices = segment_frame_indices(frames, 8, true, rng);
      for (int k = 0; k < 8; ++k) {
        EXPECT_GE(indices[k], k * frames / 8) << frames << " frames, segment " << k;
        EXPECT_LT(indices[k] * 8, (k + 1) * frames) << frames << " frames, segment " << k;  // index < (k+1)F/T
      }
      distinct.insert(indices);
    }
    if (frames > 8) {
      EXPECT_GT(distinct.size(), 10u) << frames << " frames";
    }
  }
}

TEST(ClipViews, ShortClipsRepeatFramesInOrder) {
  for (bool jitter : {false, true}) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
      std::mt19937_64 rng(seed);
      const std::vector<int> indices = segment_frame_indices(3, 8, jitter, rng);
      EXPECT_TRUE(std::is_sorted(indices.begin(), indices.end()));
      EXPECT_EQ(std::set<int>(indices.begin(), indices.end()), (std::set<int>{0, 1, 2})) << "jitter " << jitter;
    }
  }
  std::mt19937_64 rng(3);
  EXPECT_EQ(segment_frame_indices(1, 4, true, rng), (std::vector<int>{0, 0, 0, 0}));
}

TEST(ClipViews, BalancedMaskHasHalfOnesAndVariesWithSeed) {
  std::set<int> odd_counts;
  std::set<std::vector<uint8_t>> distinct;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::mt19937_64 rng(seed);
    const std::vector<uint8_t> even = balanced_patch_mask(196, rng);
    ASSERT_EQ(even.size(), 196u);
    EXPECT_EQ(std::count(even.begin(), even.end(), 1), 98);
    EXPECT_EQ(std::count(even.begin(), even.end(), 0), 98);
    const std::vector<uint8_t> odd = balanced_patch_mask(9, rng);
    const auto ones = std::count(odd.begin(), odd.end(), 1);
    EXPECT_TRUE(ones == 4 || ones == 5) << ones;
    odd_counts.insert(static_cast<int>(ones));
    distinct.insert(even);
  }
  EXPECT_EQ(odd_counts, (std::set<int>{4, 5})) << "the coin never chose one of the two counts";
  EXPECT_EQ(distinct.size(), 40u);
}

class ClipViewsOnShards : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_shards(dir_.path(), 32, 32, {6, 6, 3}, 2, "A", testing::pattern_pixel);
    data_ = std::make_unique<ShardDataset>(std::vector<std::string>{dir_.path()});
  }
  testing::TempDir dir_;
  std::unique_ptr<ShardDataset> data_;
};

TEST_F(ClipViewsOnShards, ViewsHaveTheirShapes) {
  ViewSettings s = small_views();
  s.mask_per_frame = true;
  const ClipViews v = ClipViewBuilder(*data_, s).build(2, 9);
  EXPECT_EQ(v.original.size(), 4u * 3 * 32 * 32);
  EXPECT_EQ(v.enhanced.size(), v.original.size());
  EXPECT_EQ(v.mixed.size(), v.original.size());
  EXPECT_EQ(v.local.size(), 4u * 3 * 16 * 16);
  EXPECT_EQ(v.mask.size(), 4u * 4 * 4);
  EXPECT_EQ(v.frames.size(), 4u);
  EXPECT_EQ(v.local_frames.size(), 4u);
  EXPECT_EQ(ClipViewBuilder(*data_, small_views()).build(2, 9).mask.size(), 16u);
}

TEST_F(ClipViewsOnShards, OriginalAndEnhancedAreTheNormalisedStoredPixels) {
  const ViewSettings s = small_views();
  const ClipViews v = ClipViewBuilder(*data_, s).build(1, 123);
  for (int t = 0; t < 4; ++t) {
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
          const size_t i = ((t * 3 + c) * 32 + y) * 32 + x;
          const uint8_t stored = testing::pattern_pixel(1, v.frames[t], y, x, c);
          ASSERT_FLOAT_EQ(v.original[i], normalised(stored, c, s)) << t << " " << c << " " << y << " " << x;
          ASSERT_FLOAT_EQ(v.enhanced[i], normalised(255 - stored, c, s)) << t << " " << c << " " << y << " " << x;
        }
      }
    }
  }
}

TEST_F(ClipViewsOnShards, SingleViewModesReturnOnlyThatViewOnTheSameFrames) {
  ViewSettings all = small_views();
  const ClipViews full = ClipViewBuilder(*data_, all).build(1, 77);
  for (const std::string mode : {"original", "enhanced"}) {
    ViewSettings s = small_views();
    s.views = mode;
    const ClipViews v = ClipViewBuilder(*data_, s).build(1, 77);
    EXPECT_EQ(v.frames, full.frames) << mode;
    EXPECT_EQ(v.original, mode == "original" ? full.original : full.enhanced) << mode;
    EXPECT_TRUE(v.enhanced.empty() && v.mixed.empty() && v.local.empty() && v.mask.empty()) << mode;
  }
  ViewSettings bad = small_views();
  bad.views = "mixed";
  EXPECT_THROW(ClipViewBuilder(*data_, bad), InputError);
}

TEST_F(ClipViewsOnShards, MixedTakesEachCellFromOriginalOrEnhancedByTheMask) {
  for (bool per_frame : {false, true}) {
    ViewSettings s = small_views();
    s.mask_per_frame = per_frame;
    const ClipViews v = ClipViewBuilder(*data_, s).build(0, 77);
    int from_original = 0, from_enhanced = 0;
    for (int t = 0; t < 4; ++t) {
      for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 32; ++y) {
          for (int x = 0; x < 32; ++x) {
            const size_t i = ((t * 3 + c) * 32 + y) * 32 + x;
            const bool original = v.mask[(per_frame ? t * 16 : 0) + (y / 8) * 4 + x / 8] == 1;
            ASSERT_EQ(v.mixed[i], original ? v.original[i] : v.enhanced[i]) << t << " " << c << " " << y << " " << x;
            ++(original ? from_original : from_enhanced);
          }
        }
      }
    }
    EXPECT_EQ(from_original, from_enhanced);  // 16 cells: exactly 8 of each
  }
}

TEST_F(ClipViewsOnShards, LocalViewComesFromOriginalFramesWithinTheNormalisedRange) {
  const ViewSettings s = small_views();
  const ClipViews v = ClipViewBuilder(*data_, s).build(0, 5);
  EXPECT_TRUE(std::is_sorted(v.local_frames.begin(), v.local_frames.end()));
  for (int frame : v.local_frames) EXPECT_TRUE(frame >= 0 && frame < 6) << frame;
  const size_t plane = 16 * 16;
  for (size_t i = 0; i < v.local.size(); ++i) {
    const int c = static_cast<int>((i / plane) % 3);
    ASSERT_GE(v.local[i], normalised(0, c, s)) << i;
    ASSERT_LE(v.local[i], normalised(255, c, s)) << i;
  }
}

TEST_F(ClipViewsOnShards, SameSeedSameViewsOtherSeedOtherViews) {
  const ClipViewBuilder builder(*data_, small_views());
  const ClipViews a = builder.build(1, 1000), b = builder.build(1, 1000), c = builder.build(1, 1001);
  EXPECT_EQ(a.original, b.original);
  EXPECT_EQ(a.mixed, b.mixed);
  EXPECT_EQ(a.local, b.local);
  EXPECT_EQ(a.mask, b.mask);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_NE(a.mask, c.mask);
  EXPECT_NE(a.local, c.local);
}

TEST(ClipViews, ResizeKeepsAConstantImageConstantAndUsesHalfPixelCentres) {
  testing::TempDir constant, ramp;
  const uint8_t colour[3] = {10, 128, 250};
  testing::write_synthetic_shards(constant.path(), 24, 40, {5}, 1, "C",
                                  [&](int, int, int, int, int c) { return colour[c]; });
  ViewSettings s = small_views();
  s.size = 16;
  const ShardDataset constant_data({constant.path()});
  const ClipViews v = ClipViewBuilder(constant_data, s).build(0, 3);
  for (size_t i = 0; i < v.original.size(); ++i) {
    const int c = static_cast<int>((i / (16 * 16)) % 3);
    ASSERT_FLOAT_EQ(v.original[i], normalised(colour[c], c, s)) << i;
    ASSERT_FLOAT_EQ(v.enhanced[i], normalised(255 - colour[c], c, s)) << i;
  }
  for (size_t i = 0; i < v.local.size(); ++i) {
    ASSERT_FLOAT_EQ(v.local[i], normalised(colour[(i / (16 * 16)) % 3], (i / (16 * 16)) % 3, s)) << i;
  }
  // Halving a horizontal ramp 8x: output x samples source 2x + 0.5, the mean of two neighbours.
  testing::write_synthetic_shards(ramp.path(), 32, 32, {2}, 1, "R",
                                  [](int, int, int, int x, int) { return static_cast<uint8_t>(x * 8); });
  const ShardDataset ramp_data({ramp.path()});
  const ClipViews r = ClipViewBuilder(ramp_data, s).build(0, 3);
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      ASSERT_NEAR(r.original[y * 16 + x], (16 * x + 4) / 255.0f / s.std[0] - s.mean[0] / s.std[0], 1e-5) << x;
    }
  }
}

// torchvision Resize(size) + CenterCrop(size), bilinear with half-pixel centres, per
// pixel in double precision: the source coordinate of output index o along an axis.
double reference_source(int o, int size, int extent, int shorter) {
  const int resized = extent == shorter ? size : static_cast<int>(static_cast<int64_t>(size) * extent / shorter);
  const int offset = static_cast<int>(std::nearbyint((resized - size) / 2.0));
  return std::clamp((o + offset + 0.5) * extent / resized - 0.5, 0.0, extent - 1.0);
}

TEST(ClipViews, ResizedViewsMatchAPerPixelBilinearReference) {
  testing::TempDir dir;
  const int height = 30, width = 44;
  testing::write_synthetic_shards(dir.path(), height, width, {3}, 1, "P", testing::pattern_pixel);
  const ShardDataset data({dir.path()});
  ViewSettings s = small_views();
  s.size = 16;
  const ClipViews v = ClipViewBuilder(data, s).build(0, 11);
  double worst = 0;
  for (int t = 0; t < s.num_frames; ++t) {
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 16; ++y) {
        const double sy = reference_source(y, 16, height, height);
        const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, height - 1);
        for (int x = 0; x < 16; ++x) {
          const double sx = reference_source(x, 16, width, height);
          const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, width - 1);
          const auto at = [&](int yy, int xx) { return double(testing::pattern_pixel(0, v.frames[t], yy, xx, c)); };
          const double top = at(y0, x0) + (sx - x0) * (at(y0, x1) - at(y0, x0));
          const double bottom = at(y1, x0) + (sx - x0) * (at(y1, x1) - at(y1, x0));
          const double value = top + (sy - y0) * (bottom - top);
          const double expected = (value / 255.0 - s.mean[c]) / s.std[c];
          worst = std::max(worst, std::abs(v.original[((t * 3 + c) * 16 + y) * 16 + x] - expected));
        }
      }
    }
  }
  EXPECT_LT(worst, 1e-5);  // float32 against double: a few ulp of values within [-2, 2.2]
}

TEST(ClipViews, BuilderRefusesASizeThatIsNotAMultipleOfThePatch) {
  testing::TempDir dir;
  testing::write_synthetic_shards(dir.path(), 8, 8, {2}, 1, "A", testing::pattern_pixel);
  const ShardDataset data({dir.path()});
  ViewSettings s = small_views();
  s.size = 30;
  EXPECT_THROW(ClipViewBuilder(data, s), InputError);
  s = small_views();
  s.local_scale_min = 0.5;
  s.local_scale_max = 0.4;
  EXPECT_THROW(ClipViewBuilder(data, s), InputError);
}

}  // namespace
}  // namespace dap
