// Sizes of the modules trained on top of the frozen backbone during
// domain-adaptive pretraining: the progressive adaptation block or the
// lock-encoder temporal transformer (METHOD.md 3), and the DINO projection
// head (METHOD.md 4). Torch-free, so that the experiment config can hold them.
// Defaults are those for CLIP ViT-B/16; for R(2+1)D-34 use width 512,
// num_layers 4, input_widths {64,128,256,512}, temporal_layers 2, heads 8 and
// num_frames = input frames / 8 (the temporal strides of layer2..4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/config_binding.h"

namespace dap {

struct AdaptationConfig {
  // "pab": the progressive adaptation block over every backbone layer.
  // "lock_encoder": ActionCLIP's temporal transformer over the last layer only
  // (Table 4). Training the encoder itself is a choice of the training stage.
  std::string mode = "pab";
  // What the lock encoder reads: each frame's last-layer class token, or (CLIP
  // ViT, as ActionCLIP) its image embedding ln_post(CLS) @ proj.
  std::string lock_input = "class_token";
  int64_t width = 768;  // D: width of prompts, tokens and the video feature
  int64_t num_prompts = 2;  // M: learnable prompts P_0
  int64_t num_layers = 12;  // n: backbone layers whose frame features are read
  // Widths D_i of the backbone features; each layer gets its own Linear
  // D_i -> D. Empty: the features already have width D (ViT CLS tokens).
  std::vector<int> input_widths;
  // Time steps T of the last layer's features; the temporal transformer's
  // positional embedding has T + M rows (pab) or T rows (lock_encoder).
  // 0 in a config: resolved from the backbone and the views (PretrainConfig).
  int64_t num_frames = 8;
  int64_t temporal_layers = 6;  // N_t (paper: 6 for ViT-B/16, 2 for R(2+1)D-34)
  int64_t heads = 12;           // heads of every attention in the block
  int64_t mlp_ratio = 4;        // hidden width of every MLP, in multiples of D

  template <class V>
  void visit(V& v) {
    v.choice("mode", mode, {"pab", "lock_encoder"},
             "pab: progressive adaptation block; lock_encoder: temporal transformer over the last layer");
    v.choice("lock_input", lock_input, {"class_token", "embedding"},
             "lock_encoder's input per frame: the last layer's class token (width of the backbone), or CLIP's "
             "projected image embedding (ActionCLIP; width = backbone.clip.output_dim)");
    v.field("width", width, "width D of prompts, tokens and the video feature", config::Range{1, 8192});
    v.field("num_prompts", num_prompts, "learnable prompts M", config::Range{1, 1024});
    v.field("num_layers", num_layers, "backbone layers n read by the block", config::Range{1, 1024});
    v.field("input_widths", input_widths,
            "width of each backbone layer's features, projected to width (empty: already width)",
            config::Range{1, 8192});
    v.field("num_frames", num_frames,
            "time steps T of the last layer's features (0: what the backbone gives for views.num_frames)",
            config::Range{0, 4096});
    v.field("temporal_layers", temporal_layers, "layers of the temporal transformer", config::Range{1, 64});
    v.field("heads", heads, "attention heads", config::Range{1, 1024});
    v.field("mlp_ratio", mlp_ratio, "MLP hidden width / width", config::Range{1, 64});
    v.require(input_widths.empty() || static_cast<int64_t>(input_widths.size()) == num_layers, "input_widths",
              "must be empty or list num_layers widths");
    v.require(width % heads == 0, "heads", "must divide width");
  }

  // The block reads CLIP's projected frame embeddings (ActionCLIP's fusion), not per-layer features.
  bool reads_embedding() const { return mode == "lock_encoder" && lock_input == "embedding"; }
};

// DINO's projection head: MLP in -> hidden -> hidden -> bottleneck (GELU),
// L2 normalisation, weight-normalised Linear bottleneck -> out_dim (K).
struct DinoHeadConfig {
  int64_t hidden_dim = 2048;
  int64_t bottleneck_dim = 256;
  int64_t out_dim = 65536;

  template <class V>
  void visit(V& v) {
    v.field("hidden_dim", hidden_dim, "hidden width of the head's MLP", config::Range{1, 65536});
    v.field("bottleneck_dim", bottleneck_dim, "width before the last layer", config::Range{1, 65536});
    v.field("out_dim", out_dim, "prototypes K (DINO: 65536)", config::Range{1, 1 << 22});
  }
};

}  // namespace dap
