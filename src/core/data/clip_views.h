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

  bool single_view() const { return views != "all"; }
};

// The four views of one clip, float32, normalised ((x/255 - mean)/std), layout [T, 3, H, W] each, contiguous.
struct ClipViews {
  std::vector<float> original, enhanced, mixed, local;
  std::vector<uint8_t> mask;              // [1 or T, size/P, size/P], 1 = take the original patch
  std::vector<int> frames, local_frames;  // the stored-frame indices used
};

// T segments over the clip's stored frames (indices repeat, still sorted, when
// frame_count < T): jitter draws a uniform frame inside each segment, otherwise
// the segment centre (floor). frame_count must be positive.
std::vector<int> segment_frame_indices(int64_t frame_count, int num_frames, bool jitter, std::mt19937_64& rng);

// `cells` entries, exactly floor(cells/2) or ceil(cells/2) of them 1 (a coin
// chooses which), at positions drawn by Fisher-Yates.
std::vector<uint8_t> balanced_patch_mask(int cells, std::mt19937_64& rng);

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
  void global_view(int64_t clip, const std::vector<int>& frames, bool enhanced, float* out) const;
  size_t view_floats() const;        // T*3*size*size
  size_t local_view_floats() const;  // T*3*local_size*local_size

 private:
  const ShardDataset& data_;
  ViewSettings settings_;
};

}  // namespace dap
