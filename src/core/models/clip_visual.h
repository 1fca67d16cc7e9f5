// CLIP's image tower (OpenAI clip/model.py VisionTransformer), applied to the
// frames of a clip. METHOD.md 3 and 6: the progressive adaptation block reads
// the per-layer class tokens, Grad-CAM reads the last layer's patch tokens.
// Parameter names are OpenAI's keys without "visual.".
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "core/config/clip_config.h"
#include "core/models/clip_blocks.h"

namespace dap {

struct ClipVisualOutput {
  // ln_post(CLS of the last block) @ proj: [B, T, output_dim].
  torch::Tensor embedding;
  // The CLS token after each residual block (X_{i,t} of METHOD.md 3), before
  // any LayerNorm: [layers, B, T, width]. Undefined unless requested.
  torch::Tensor layer_cls;
  // The last block's patch tokens, before ln_post (CLIP applies ln_post to
  // the CLS token only): [B, T, grid_h, grid_w, width], row-major patch order.
  torch::Tensor patch_tokens;
  // With probe_block = k >= 0: the tokens entering block k, [B*T, 1 + grid_h*grid_w, width],
  // cut from the graph and requiring grad, so a score's gradient with respect
  // to them can be taken (Grad-CAM); earlier layers then get no gradient.
  torch::Tensor probe;
};

class ClipVisualImpl : public torch::nn::Module {
 public:
  explicit ClipVisualImpl(const ClipVisualConfig& config = {});

  // clip: [B, T, 3, H, W], normalised with CLIP's mean and std; frames are
  // folded into the batch. H and W need not be config().image_size: the
  // positional embedding's patch grid is then resized (see positional_embedding_for).
  // with_layer_cls: also return layer_cls (costs one slice per layer).
  ClipVisualOutput forward(const torch::Tensor& clip, bool with_layer_cls = false, int64_t probe_block = -1);

  // The positional embedding for a grid_h x grid_w patch grid, [1 + grid_h*grid_w, width]:
  // the trained one at the trained grid, otherwise its grid part resized
  // bicubically (align_corners false) with the class position unchanged, as
  // common CLIP / DINO code does for other input sizes.
  torch::Tensor positional_embedding_for(int64_t grid_h, int64_t grid_w) const;

  const ClipVisualConfig& config() const { return config_; }

 private:
  ClipVisualConfig config_;
  torch::nn::Conv2d conv1{nullptr};
  torch::Tensor class_embedding, positional_embedding, proj;
  Float32LayerNorm ln_pre{nullptr}, ln_post{nullptr};
  ClipTransformer transformer{nullptr};
};
TORCH_MODULE(ClipVisual);

}  // namespace dap
