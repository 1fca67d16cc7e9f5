// Sizes of TimeSformer (Bertasius et al., ICML 2021), the divided space-time
// ViT of METHOD.md 6. Torch-free, so that the experiment config can hold it.
// Defaults are the released TimeSformer_divST_8x32_224_K400.pyth (ViT-B/16,
// 8 frames at 224 px, 400 Kinetics classes); TimeSformer-HR (16 frames at
// 448 px) and TimeSformer-L (96 frames at 224 px) differ only in num_frames
// and image_size.
#pragma once

#include <cstdint>

#include "core/config/config_binding.h"

namespace dap {

struct TimeSformerConfig {
  int64_t image_size = 224;  // the size the positional embedding was trained for
  int64_t num_frames = 8;    // the frame count the time embedding was trained for
  int64_t patch_size = 16;
  int64_t width = 768;
  int64_t layers = 12;
  int64_t heads = 12;
  int64_t mlp_ratio = 4;
  // Rows of `head`; 0 builds no classifier (features only).
  int64_t num_classes = 400;

  // Patches per side at image_size.
  int64_t grid() const { return image_size / patch_size; }

  template <class V>
  void visit(V& v) {
    v.field("image_size", image_size, "input size in pixels the positional embedding was trained for (HR: 448)",
            config::Range{1, 4096});
    v.field("num_frames", num_frames, "frames the time embedding was trained for (HR: 16, L: 96)",
            config::Range{1, 4096});
    v.field("patch_size", patch_size, "patch side in pixels (patch_embed.proj kernel and stride)",
            config::Range{1, 1024});
    v.field("width", width, "token width", config::Range{1, 8192});
    v.field("layers", layers, "divided space-time blocks", config::Range{1, 256});
    v.field("heads", heads, "attention heads", config::Range{1, 1024});
    v.field("mlp_ratio", mlp_ratio, "MLP hidden width / token width", config::Range{1, 64});
    v.field("num_classes", num_classes, "classifier outputs (Kinetics-400: 400; 0: no classifier)",
            config::Range{0, 1e6});
    v.require(image_size % patch_size == 0, "image_size", "must be a multiple of patch_size");
    v.require(width % heads == 0, "heads", "must divide width");
  }
};

}  // namespace dap
