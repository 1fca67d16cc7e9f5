// The four views of a clip (METHOD.md section 2): frame indices, the balanced
// mix mask, o/e/m/l against the stored pixels, resizing, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "core/base/error.h"
#include "core/base/random.h"
#include "core/config/experiment_config.h"
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

// ---------------------------------------------------------------- ActionCLIP's training augmentation

ViewSettings augmented_views(const std::string& kind = "actionclip") {
  ViewSettings s = small_views();
  s.size = 16;
  s.views = "original";
  s.augment.kind = kind;
  return s;
}

// No colour: the view is the crop, resized and flipped, alone.
ViewSettings geometry_only(ViewSettings s) {
  s.augment.color_jitter = 0;
  s.augment.grayscale = 0;
  return s;
}

class AugmentedViews : public ::testing::Test {
 protected:
  static constexpr int kHeight = 30, kWidth = 44;
  void SetUp() override {
    testing::write_synthetic_shards(dir_.path(), kHeight, kWidth, {9, 7, 12}, 2, "G", testing::pattern_pixel);
    data_ = std::make_unique<ShardDataset>(std::vector<std::string>{dir_.path()});
  }
  testing::TempDir dir_;
  std::unique_ptr<ShardDataset> data_;
};

TEST_F(AugmentedViews, KindNoneLeavesTheViewsAndDrawsAsTheyWere) {
  ViewSettings plain = small_views();
  plain.size = 16;
  plain.views = "original";
  ViewSettings none = plain;  // every other augmentation setting changed, kind "none": nothing happens
  none.augment.flip = 1;
  none.augment.color_jitter = 1;
  none.augment.grayscale = 1;
  none.augment.scales = {0.5};
  for (uint64_t seed : {0u, 5u, 99u}) {
    const ClipViews a = ClipViewBuilder(*data_, plain).build(1, seed), b = ClipViewBuilder(*data_, none).build(1, seed);
    EXPECT_EQ(a.frames, b.frames);
    EXPECT_EQ(a.original, b.original);
    EXPECT_EQ(b.augment.height, 0) << "no augmentation drawn";
  }
}

TEST_F(AugmentedViews, DrawnAfterTheFramesSameSeedSameViewOtherSeedsOtherViews) {
  const ClipViewBuilder plain(*data_, augmented_views("none"));
  const ClipViewBuilder builder(*data_, augmented_views());
  std::set<std::vector<int>> crops;
  std::set<std::vector<float>> views;
  for (int64_t clip = 0; clip < 3; ++clip) {
    for (int64_t epoch = 0; epoch < 6; ++epoch) {
      const uint64_t seed = clip_view_seed(4, epoch, clip);
      const ClipViews a = builder.build(clip, seed), b = builder.build(clip, seed);
      EXPECT_EQ(a.original, b.original);
      EXPECT_EQ(a.augment.top, b.augment.top);
      EXPECT_EQ(a.augment.order, b.augment.order);
      EXPECT_EQ(a.augment.brightness, b.augment.brightness);
      EXPECT_EQ(a.frames, plain.build(clip, seed).frames) << "the augmentation draws after the frames";
      crops.insert({a.augment.top, a.augment.left, a.augment.height, a.augment.width, a.augment.flip});
      views.insert(a.original);
    }
  }
  EXPECT_EQ(views.size(), 18u) << "every clip and epoch gets its own view";
  EXPECT_GT(crops.size(), 8u) << "crops and flips vary over clips and epochs";
}

TEST_F(AugmentedViews, EveryFrameOfAClipGetsTheSameCropFlipAndColours) {
  testing::TempDir still;
  // Frames that are all the same picture: the augmented frames must be the same too.
  testing::write_synthetic_shards(still.path(), kHeight, kWidth, {10}, 1, "S",
                                  [](int, int, int y, int x, int c) { return testing::pattern_pixel(0, 0, y, x, c); });
  const ShardDataset data({still.path()});
  ViewSettings s = augmented_views();
  s.augment.color_jitter = 1;
  s.augment.grayscale = 0.5;
  const ClipViewBuilder builder(data, s);
  const size_t frame = 3 * 16 * 16;
  int jittered = 0, flipped = 0;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    const ClipViews v = builder.build(0, seed);
    ASSERT_TRUE(v.augment.jitter);
    flipped += v.augment.flip;
    ++jittered;
    for (int t = 1; t < s.num_frames; ++t) {
      ASSERT_TRUE(std::equal(v.original.begin(), v.original.begin() + frame, v.original.begin() + t * frame))
          << "seed " << seed << ", frame " << t;
    }
  }
  EXPECT_GT(flipped, 0);
  EXPECT_EQ(jittered, 12);
}

TEST(AugmentationDraws, RatesFollowTheProbabilities) {
  AugmentSettings a;
  a.kind = "actionclip";
  const int draws = 4000;
  int flips = 0, jitters = 0, grays = 0;
  std::map<std::array<int, 2>, int> sizes;
  std::set<std::array<int, 4>> orders;
  for (uint64_t seed = 0; seed < draws; ++seed) {
    std::mt19937_64 rng(mix_seed({seed}));
    const AugmentDraws d = draw_augmentation(256, 340, 224, a, rng);
    flips += d.flip;
    jitters += d.jitter;
    grays += d.grayscale;
    ++sizes[{d.width, d.height}];
    orders.insert(d.order);
    ASSERT_GE(d.brightness, 0.6);
    ASSERT_LT(d.brightness, 1.4);
    ASSERT_GE(d.contrast, 0.6);
    ASSERT_LT(d.contrast, 1.4);
    ASSERT_GE(d.saturation, 0.8);
    ASSERT_LT(d.saturation, 1.2);
    ASSERT_GE(d.hue, -0.1);
    ASSERT_LT(d.hue, 0.1);
    // The offset is one of the 13 fixed positions of that crop, inside the frame.
    const auto offsets = fixed_crop_offsets(340, 256, d.width, d.height);
    ASSERT_NE(std::find(offsets.begin(), offsets.end(), std::array<int, 2>{d.left, d.top}), offsets.end());
    ASSERT_LE(d.left + d.width, 340);
    ASSERT_LE(d.top + d.height, 256);
  }
  // Binomial standard deviations: about 0.008 (p 0.5), 0.006 (0.8, 0.2); 5 of them allowed.
  EXPECT_NEAR(flips / double(draws), 0.5, 0.04);
  EXPECT_NEAR(jitters / double(draws), 0.8, 0.03);
  EXPECT_NEAR(grays / double(draws), 0.2, 0.03);
  // The crop sides are ActionCLIP's 10 pairs, each about equally often; all 24 jitter orders occur.
  const auto pairs = multi_scale_crop_sizes(340, 256, 224, a.scales, a.max_distort);
  EXPECT_EQ(sizes.size(), pairs.size());
  for (const auto& [size, count] : sizes) {
    EXPECT_NE(std::find(pairs.begin(), pairs.end(), size), pairs.end()) << size[0] << "x" << size[1];
    EXPECT_NEAR(count / double(draws), 0.1, 0.025) << size[0] << "x" << size[1];
  }
  EXPECT_EQ(orders.size(), 24u);
}

TEST(AugmentationDraws, ActionClipsCropSizesAndOffsets) {
  // Short side 256: sides 256, 224, 192, 168 (int(256 * 0.66) = 168); |i - j| <= 1: 10 pairs (w, h).
  using Pairs = std::vector<std::array<int, 2>>;
  EXPECT_EQ(multi_scale_crop_sizes(340, 256, 224, {1, 0.875, 0.75, 0.66}, 1),
            (Pairs{{256, 256}, {224, 256}, {256, 224}, {224, 224}, {192, 224}, {224, 192}, {192, 192}, {168, 192},
                   {192, 168}, {168, 168}}));
  // int(254 * 0.875) = 222 is within 3 px of 224: snapped; max_distort 0: squares only.
  EXPECT_EQ(multi_scale_crop_sizes(300, 254, 224, {1, 0.875, 0.75}, 0), (Pairs{{254, 254}, {224, 224}, {190, 190}}));
  // A snapped side never exceeds the frame (a 222-pixel frame and size 224).
  EXPECT_EQ(multi_scale_crop_sizes(222, 222, 224, {1}, 1), (Pairs{{222, 222}}));
  // The 13 offsets (left, top) of ActionCLIP's fill_fix_offset(more_fix_crop=True): steps (340-224)/4, (256-192)/4.
  EXPECT_EQ(fixed_crop_offsets(340, 256, 224, 192),
            (Pairs{{0, 0}, {116, 0}, {0, 64}, {116, 64}, {58, 32}, {0, 32}, {116, 32}, {58, 64}, {58, 0}, {29, 16},
                   {87, 16}, {29, 48}, {87, 48}}));
}

// The per-pixel reference of the crop: bilinear with half-pixel centres over the crop
// rectangle (torch: crop, interpolate(align_corners=False)), then the flip.
TEST_F(AugmentedViews, GeometryIsTheCropResizedAndFlipped) {
  const ViewSettings s = geometry_only(augmented_views());
  const ClipViewBuilder builder(*data_, s);
  int flipped = 0, unflipped = 0;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    const ClipViews v = builder.build(2, seed);
    const AugmentDraws& a = v.augment;
    ASSERT_FALSE(a.jitter || a.grayscale);
    ++(a.flip ? flipped : unflipped);
    double worst = 0;
    const auto source = [](int o, int out, int start, int extent) {
      return start + std::clamp((o + 0.5) * extent / out - 0.5, 0.0, extent - 1.0);
    };
    for (int t = 0; t < s.num_frames; ++t) {
      for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 16; ++y) {
          const double sy = source(y, 16, a.top, a.height);
          const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, a.top + a.height - 1);
          for (int x = 0; x < 16; ++x) {
            const double sx = source(a.flip ? 15 - x : x, 16, a.left, a.width);
            const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, a.left + a.width - 1);
            const auto at = [&](int yy, int xx) { return double(testing::pattern_pixel(2, v.frames[t], yy, xx, c)); };
            const double top = at(y0, x0) + (sx - x0) * (at(y0, x1) - at(y0, x0));
            const double bottom = at(y1, x0) + (sx - x0) * (at(y1, x1) - at(y1, x0));
            const double expected = ((top + (sy - y0) * (bottom - top)) / 255.0 - s.mean[c]) / s.std[c];
            worst = std::max(worst, std::abs(v.original[((t * 3 + c) * 16 + y) * 16 + x] - expected));
          }
        }
      }
    }
    EXPECT_LT(worst, 1e-5) << "seed " << seed;
  }
  EXPECT_GT(flipped, 0);
  EXPECT_GT(unflipped, 0);
  // The flip alone: flip = 1 mirrors flip = 0's view column for column (the same draws otherwise).
  ViewSettings never = s, always = s;
  never.augment.flip = 0;
  always.augment.flip = 1;
  const ClipViews a = ClipViewBuilder(*data_, never).build(1, 8), b = ClipViewBuilder(*data_, always).build(1, 8);
  ASSERT_TRUE(b.augment.flip && !a.augment.flip);
  for (size_t row = 0; row < a.original.size() / 16; ++row) {
    for (int x = 0; x < 16; ++x) ASSERT_EQ(a.original[row * 16 + x], b.original[row * 16 + 15 - x]) << row;
  }
}

TEST(AugmentationColour, TorchvisionFormulasOnOneFrame) {
  const size_t plane = 4;
  // Pixels (r, g, b): red, a dark grey, a saturated orange, white.
  const std::vector<float> pixels = {1.0f, 0.2f, 0.9f, 1.0f,   // r
                                     0.0f, 0.2f, 0.5f, 1.0f,   // g
                                     0.0f, 0.2f, 0.1f, 1.0f};  // b
  const auto run = [&](AugmentDraws d) {
    std::vector<float> frame = pixels;
    augment_frame_colour(d, frame.data(), plane);
    return frame;
  };
  AugmentDraws d;
  EXPECT_EQ(run(d), pixels) << "no jitter, no grayscale: unchanged";
  d.jitter = true;
  EXPECT_EQ(run(d), pixels) << "identity factors: unchanged";
  AugmentDraws gray;
  gray.grayscale = true;
  const std::vector<float> g = run(gray);
  for (size_t i = 0; i < plane; ++i) {
    const float luma = 0.299f * pixels[i] + 0.587f * pixels[plane + i] + 0.114f * pixels[2 * plane + i];
    EXPECT_FLOAT_EQ(g[i], luma);
    EXPECT_EQ(g[plane + i], g[i]);
    EXPECT_EQ(g[2 * plane + i], g[i]);
  }
  AugmentDraws bright = d;
  bright.brightness = 1.5;  // x * 1.5, clamped to 1
  const std::vector<float> b = run(bright);
  for (size_t i = 0; i < pixels.size(); ++i) EXPECT_FLOAT_EQ(b[i], std::min(1.0f, 1.5f * pixels[i])) << i;
  AugmentDraws flat = d;
  flat.contrast = 0;  // every pixel the frame's mean luma
  const std::vector<float> c = run(flat);
  double mean = 0;
  for (size_t i = 0; i < plane; ++i) {
    mean += (0.299 * pixels[i] + 0.587 * pixels[plane + i] + 0.114 * pixels[2 * plane + i]) / plane;
  }
  for (float value : c) EXPECT_NEAR(value, mean, 1e-6);
  AugmentDraws pale = d;
  pale.saturation = 0;  // saturation 0 is grayscale
  EXPECT_EQ(run(pale), g);
  AugmentDraws hue = d;
  hue.hue = 1.0 / 3;  // red -> green, the grey and white stay
  const std::vector<float> h = run(hue);
  EXPECT_NEAR(h[0], 0, 1e-6);
  EXPECT_NEAR(h[plane], 1, 1e-6);
  EXPECT_NEAR(h[2 * plane], 0, 1e-6);
  for (size_t i : {size_t{1}, size_t{3}}) {
    for (int ch = 0; ch < 3; ++ch) EXPECT_NEAR(h[ch * plane + i], pixels[ch * plane + i], 1e-6);
  }
  // The order matters: brightness 2 then contrast 0.5 differs from the reverse.
  AugmentDraws first = d, second = d;
  first.brightness = second.brightness = 2;
  first.contrast = second.contrast = 0.5;
  first.order = {0, 1, 2, 3};
  second.order = {1, 0, 2, 3};
  EXPECT_NE(run(first), run(second));
}

TEST_F(AugmentedViews, BuilderRefusesAugmentationItCannotDo) {
  ViewSettings s = augmented_views();
  s.views = "all";  // pretraining's four views: no augmentation
  EXPECT_THROW(ClipViewBuilder(*data_, s), InputError);
  s = augmented_views("flip");
  EXPECT_THROW(ClipViewBuilder(*data_, s), InputError);
  s = augmented_views();
  s.augment.scales = {};
  EXPECT_THROW(ClipViewBuilder(*data_, s), InputError);
  s = augmented_views();
  s.augment.hue = 0.7;
  EXPECT_THROW(ClipViewBuilder(*data_, s), InputError);
  const ClipViewBuilder builder(*data_, augmented_views());
  std::vector<float> out(builder.view_floats());
  EXPECT_THROW(builder.global_view(0, {0, 1, 2, 3}, false, out.data()), InputError) << "no per-frame cache";
}

// finetune.augment in a config: its defaults, and errors that name the key.
std::string augment_config_error(const std::string& augment) {
  testing::TempDir dir;
  const std::string path = dir.file("exp.lua");
  std::ofstream(path) << "return { finetune = { augment = " << augment << " } }\n";
  try {
    config::bind_config<config::ExperimentConfig>(config::load_config(path, {}));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(AugmentationConfig, DefaultsAreActionClipsAndErrorsNameTheKey) {
  const config::AugmentConfig a;
  EXPECT_EQ(a.kind, "none");
  EXPECT_EQ(a.scales, (std::vector<double>{1, 0.875, 0.75, 0.66}));
  EXPECT_EQ(a.max_distort, 1);
  EXPECT_EQ(std::vector<double>({a.flip, a.color_jitter, a.brightness, a.contrast, a.saturation, a.hue, a.grayscale}),
            std::vector<double>({0.5, 0.8, 0.4, 0.4, 0.2, 0.1, 0.2}));
  EXPECT_EQ(augment_config_error("{ kind = \"actionclip\", flip = 1, scales = { 1, 0.5 } }"), "");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{ kind = \"randaugment\" }", "finetune.augment.kind"},
      {"{ scales = {} }", "finetune.augment.scales"},
      {"{ scales = { 1, 1.5 } }", "finetune.augment.scales"},
      {"{ scales = { 0 } }", "finetune.augment.scales"},
      {"{ max_distort = -1 }", "finetune.augment.max_distort"},
      {"{ flip = 1.5 }", "finetune.augment.flip"},
      {"{ color_jitter = -0.1 }", "finetune.augment.color_jitter"},
      {"{ brightness = -1 }", "finetune.augment.brightness"},
      {"{ contrast = \"high\" }", "finetune.augment.contrast"},
      {"{ saturation = -0.2 }", "finetune.augment.saturation"},
      {"{ hue = 0.6 }", "finetune.augment.hue"},
      {"{ grayscale = 2 }", "finetune.augment.grayscale"},
      {"{ flips = 0.5 }", "finetune.augment.flips"},
      {"\"actionclip\"", "finetune.augment"}};
  for (const auto& [value, key] : bad) {
    const std::string error = augment_config_error(value);
    EXPECT_NE(error.find(key), std::string::npos) << value << " -> \"" << error << "\"";
  }
}

// lua/base.lua: none; the paper's configs (lua/arid_*.lua, lua/dailyda_*.lua): ActionCLIP's transform.
TEST(AugmentationConfig, PaperConfigsUseActionClipsTransform) {
  const char* source = std::getenv("DAP_SOURCE_DIR");
  if (source == nullptr) GTEST_SKIP() << "DAP_SOURCE_DIR is not set (run through ctest)";
  const std::filesystem::path lua = std::filesystem::path(source) / "lua";
  const auto bind = [](const std::filesystem::path& path) {
    return config::bind_config<config::ExperimentConfig>(config::load_config(path.string(), {}));
  };
  EXPECT_EQ(bind(lua / "base.lua").finetune.augment.kind, "none");
  int paper = 0;
  for (const auto& entry : std::filesystem::directory_iterator(lua)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("arid_", 0) != 0 && name.rfind("dailyda_", 0) != 0) continue;
    EXPECT_EQ(bind(entry.path()).finetune.augment.kind, "actionclip") << name;
    ++paper;
  }
  EXPECT_GE(paper, 12);
}

}  // namespace
}  // namespace dap
