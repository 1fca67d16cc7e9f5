// The video backbone of pretraining and fine-tuning, CLIP's ViT, R(2+1)D or
// TimeSformer, behind one interface: a clip in, the per-layer frame features
// X_{i,t} of METHOD.md 3 out (ViT: each block's class token; R(2+1)D: each
// stage's spatially pooled feature; TimeSformer: each block's patch tokens
// averaged per frame).
#pragma once

#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "core/config/pretrain_config.h"
#include "core/models/clip_visual.h"
#include "core/models/r2plus1d.h"
#include "core/models/timesformer.h"

namespace dap {

class VideoBackboneImpl : public torch::nn::Module {
 public:
  explicit VideoBackboneImpl(const config::BackboneConfig& config);

  // clip: [B, T, 3, H, W], normalised. Returns one tensor [B, T_i, D_i] per
  // layer, shallow to deep; with_embedding (CLIP ViT only) appends CLIP's
  // projected frame embeddings [B, T, output_dim] as the last entry (what an
  // adapter with AdaptationConfig::reads_embedding() reads).
  std::vector<torch::Tensor> layer_features(const torch::Tensor& clip, bool with_embedding = false);

  // The same for Grad-CAM (CLIP ViT only): also the tokens entering block
  // `block` (negative: counted from the end) as a graph leaf
  // ([B*T, 1 + grid_h*grid_w, width], ClipVisualOutput::probe).
  std::vector<torch::Tensor> layer_features_with_probe(const torch::Tensor& clip, torch::Tensor& probe, int64_t block,
                                                       bool with_embedding = false);

  // CLIP's image embedding of each frame, [B, T, output_dim] (CLIP ViT only).
  torch::Tensor frame_embeddings(const torch::Tensor& clip);
  bool is_clip() const { return !clip.is_empty(); }
  // CLIP's ln_post and proj (the image embedding's projection); CLIP ViT only.
  std::pair<torch::nn::LayerNorm, torch::Tensor> clip_projection();

 private:
  ClipVisual clip{nullptr};
  R2Plus1d r2plus1d{nullptr};
  TimeSformer timesformer{nullptr};
};
TORCH_MODULE(VideoBackbone);

// Builds the backbone of `config`, reads its weights when config.weights is
// set (throws InputError naming the file and every mismatched key) and puts
// it in eval mode. The weights may also be a dap-finetune model.pt (its
// backbone is taken: the demo's stand-in for large-scale pretraining). Without weights the initialisation follows torch's global
// seed.
VideoBackbone build_video_backbone(const config::BackboneConfig& config);

}  // namespace dap
