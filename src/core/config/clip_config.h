// Sizes of OpenAI CLIP's two towers (METHOD.md 5, 6). Torch-free, so that the
// experiment config can hold them. Defaults are ViT-B/16 and its text encoder;
// clip_weights.h infers both from a weight file, so users rarely set them.
#pragma once

#include <cstdint>

#include "core/config/config_binding.h"

namespace dap {

// CLIP's VisionTransformer: patches of patch_size x patch_size, `layers`
// pre-LN residual attention blocks of `width`, a projection to output_dim.
struct ClipVisualConfig {
  int64_t image_size = 224;  // the size the positional embedding was trained for
  int64_t patch_size = 16;
  int64_t width = 768;
  int64_t layers = 12;
  int64_t heads = 12;
  int64_t output_dim = 512;

  // Patches per side at image_size.
  int64_t grid() const { return image_size / patch_size; }

  template <class V>
  void visit(V& v) {
    v.field("image_size", image_size, "input size in pixels the positional embedding was trained for",
            config::Range{1, 4096});
    v.field("patch_size", patch_size, "patch side in pixels (conv1 kernel and stride)", config::Range{1, 1024});
    v.field("width", width, "token width", config::Range{1, 8192});
    v.field("layers", layers, "residual attention blocks", config::Range{1, 256});
    v.field("heads", heads, "attention heads (CLIP uses width / 64)", config::Range{1, 1024});
    v.field("output_dim", output_dim, "width of the projected image embedding", config::Range{1, 8192});
    v.require(image_size % patch_size == 0, "image_size", "must be a multiple of patch_size");
    v.require(width % heads == 0, "heads", "must divide width");
  }
};

// CLIP's text encoder: a causal transformer over BPE token ids; the feature is
// the projected token at the position of the highest id (the EOT token).
struct ClipTextConfig {
  int64_t vocab_size = 49408;
  int64_t context_length = 77;
  int64_t width = 512;
  int64_t layers = 12;
  int64_t heads = 8;
  int64_t embed_dim = 512;

  template <class V>
  void visit(V& v) {
    v.field("vocab_size", vocab_size, "BPE vocabulary size (rows of token_embedding)", config::Range{1, 1e7});
    v.field("context_length", context_length, "tokens per text (rows of positional_embedding)",
            config::Range{1, 4096});
    v.field("width", width, "token width", config::Range{1, 8192});
    v.field("layers", layers, "residual attention blocks", config::Range{1, 256});
    v.field("heads", heads, "attention heads (CLIP uses width / 64)", config::Range{1, 1024});
    v.field("embed_dim", embed_dim, "width of the projected text feature", config::Range{1, 8192});
    v.require(width % heads == 0, "heads", "must divide width");
  }
};

}  // namespace dap
