// Per-frame features that a BatchLoader's workers read beside the views (the
// feature cache, pretrain/feature_cache.h), so a training step never waits for
// them. Torch-free: the loader hands plain float rows over.
#pragma once

#include <cstdint>

namespace dap {

class ClipFeatureSource {
 public:
  virtual ~ClipFeatureSource() = default;
  // Floats per frame.
  virtual int64_t width() const = 0;
  // The rows of stored frames `frames[0..count)` of `clip`, of the o view
  // (enhanced = false) or the e view, into out [count, width()]. Called by
  // several workers at once.
  virtual void read_frames(int64_t clip, const int32_t* frames, int64_t count, bool enhanced, float* out) const = 0;
};

}  // namespace dap
