// The four views of one training clip (METHOD.md section 2): original o,
// enhanced e (same frames), mixed m (patch-wise mix of o and e under a balanced
// mask) and local l (independent frames, one random resized crop). Plain C++,
// no torch: the loader threads build them and the trainer copies them into tensors.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/data/shard_dataset.h"

namespace dap {

// ActionCLIP's training transform of the single view (fine-tuning, METHOD.md 5;
// github.com/sallymmx/ActionCLIP utils/Augmentation.py, datasets/transforms_ss.py),
// one draw per clip shared by all its frames: GroupMultiScaleCrop (a crop of the
// stored frame, sides from the scales of its shorter side, at one of 13 fixed
// positions, resized to size x size), a horizontal flip, colour jitter in a random
// order and grayscale. kind "none" leaves the views (and the random draws) as they were.
struct AugmentSettings {
  std::string kind = "none";  // "none" | "actionclip"
  std::vector<double> scales{1.0, 0.875, 0.75, 0.66};  // crop sides / the shorter side, each in (0, 1]
  int max_distort = 1;        // crop width and height come from scales at most this many places apart
  double flip = 0.5;          // probability of a horizontal flip
  double color_jitter = 0.8;  // probability of colour jitter
  double brightness = 0.4, contrast = 0.4, saturation = 0.2;  // factors from U[max(0, 1-x), 1+x]
  double hue = 0.1;           // hue shift from U[-hue, hue], hue in [0, 0.5]
  double grayscale = 0.2;     // probability of grayscale (3 equal channels, ITU-R 601-2 luma)

  bool enabled() const { return kind != "none"; }
};

// One clip's augmentation draws (AugmentSettings), shared by all its frames.
struct AugmentDraws {
  int top = 0, left = 0, height = 0, width = 0;  // crop of the stored frames, resized to size x size
  bool flip = false;
  bool jitter = false;                 // colour jitter applied (the factors are drawn either way)
  std::array<int, 4> order{0, 1, 2, 3};  // jitter order: 0 brightness, 1 contrast, 2 saturation, 3 hue
  double brightness = 1, contrast = 1, saturation = 1, hue = 0;
  bool grayscale = false;
};

struct ViewSettings {
  int num_frames = 8;     // T frames per view
  int size = 224;         // side of the global views o, e, m (square), pixels
  int local_size = 96;    // side of the local view l
  double local_scale_min = 0.05, local_scale_max = 0.4;  // area fraction of the random crop of l
  int patch_size = 16;    // grid cell of the mix mask; size must be a multiple of it
  bool mask_per_frame = false;  // one mask per clip (default) or one per frame
  bool jitter = true;     // training: random frame inside each of the T segments; false: segment centres
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};  // CLIP
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};
  // "all": the four views (pretraining). "original" or "enhanced": that view
  // alone, returned in ClipViews::original (fine-tuning and evaluation).
  std::string views = "all";
  // Training augmentation of the single view (fine-tuning); needs views "original" or "enhanced".
  AugmentSettings augment;

  bool single_view() const { return views != "all"; }
};

// The four views of one clip, float32, normalised ((x/255 - mean)/std), layout [T, 3, H, W] each, contiguous.
struct ClipViews {
  std::vector<float> original, enhanced, mixed, local;
  std::vector<uint8_t> mask;              // [1 or T, size/P, size/P], 1 = take the original patch
  std::vector<int> frames, local_frames;  // the stored-frame indices used
  AugmentDraws augment;                   // the augmentation drawn (augment.kind != "none")
};

// T segments over the clip's stored frames (indices repeat, still sorted, when
// frame_count < T): jitter draws a uniform frame inside each segment, otherwise
// the segment centre (floor). frame_count must be positive.
std::vector<int> segment_frame_indices(int64_t frame_count, int num_frames, bool jitter, std::mt19937_64& rng);

// `cells` entries, exactly floor(cells/2) or ceil(cells/2) of them 1 (a coin
// chooses which), at positions drawn by Fisher-Yates.
std::vector<uint8_t> balanced_patch_mask(int cells, std::mt19937_64& rng);

// ActionCLIP's GroupMultiScaleCrop candidates for a width x height frame and a
// size x size output: the (width, height) pairs of crop sides (sides within 3 px of
// size snapped to it, then capped at the frame), in ActionCLIP's order, and the 13
// fixed (left, top) offsets of a crop of width x height.
std::vector<std::array<int, 2>> multi_scale_crop_sizes(int width, int height, int size,
                                                       const std::vector<double>& scales, int max_distort);
std::vector<std::array<int, 2>> fixed_crop_offsets(int width, int height, int crop_width, int crop_height);

// One clip's draws, in this order: crop sides, crop offset, flip, jitter on/off,
// brightness, contrast, saturation, hue, jitter order (Fisher-Yates), grayscale.
AugmentDraws draw_augmentation(int height, int width, int size, const AugmentSettings& settings, std::mt19937_64& rng);

// The colour part of `draws` (jitter in its order, then grayscale) on one frame of
// [3, plane] float values in [0, 1] (torchvision's tensor formulas; luma 0.299/0.587/0.114).
void augment_frame_colour(const AugmentDraws& draws, float* frame, size_t plane);

// Where ClipViewBuilder::build_into writes one clip's views, each with room for
// ClipViewBuilder::view_floats() (local: local_view_floats()) floats; in
// single-view mode only `original` is written.
struct ViewTargets {
  float* original = nullptr;
  float* enhanced = nullptr;
  float* mixed = nullptr;
  float* local = nullptr;
};

// The seed of clip `clip`'s views in epoch `epoch` of a loader seeded with
// `seed`: what BatchLoader builds each clip with (and python/dap_data repeats).
uint64_t clip_view_seed(uint64_t seed, int64_t epoch, int64_t clip);

class ClipViewBuilder {
 public:
  // Throws InputError for settings that cannot work (size not a multiple of patch_size, ...).
  ClipViewBuilder(const ShardDataset& data, const ViewSettings& settings);
  const ViewSettings& settings() const { return settings_; }
  // All randomness comes from mt19937_64(seed): the same (clip, seed) gives the same views on any rank or thread.
  ClipViews build(int64_t clip, uint64_t seed) const;
  // The same views written straight into `targets` (the batch loader's buffers: no
  // per-clip allocation or copy); `draws`, when given, receives the mask and frame indices.
  void build_into(int64_t clip, uint64_t seed, const ViewTargets& targets, ClipViews* draws = nullptr) const;
  // The o (or e) view of the stored frames `frames` of `clip`, [frames.size(), 3,
  // size, size] into `out`: what build_into writes for those frames (each frame's
  // view depends on that frame alone, so per-frame backbone features can be cached).
  // Not with augmentation (InputError): its crop and colours are per clip.
  void global_view(int64_t clip, const std::vector<int>& frames, bool enhanced, float* out) const;
  size_t view_floats() const;        // T*3*size*size
  size_t local_view_floats() const;  // T*3*local_size*local_size

 private:
  const ShardDataset& data_;
  ViewSettings settings_;
};

}  // namespace dap
