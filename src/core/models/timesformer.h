// TimeSformer with divided space-time attention (Bertasius et al., ICML 2021),
// as released by facebookresearch/TimeSformer (timesformer/models/vit.py), so
// that module names are the checkpoint's keys without the "model." prefix
// ("cls_token", "pos_embed", "time_embed", "patch_embed.proj.weight",
// "blocks.0.temporal_attn.qkv.weight", "blocks.0.temporal_fc.bias", "head.weight").
// METHOD.md 6.
//
//   tokens  = per-frame 16x16 patches (Conv2d) + pos_embed; + time_embed per patch
//             position; one class token per clip
//   block   = temporal attention over the T frames of each patch position
//             (temporal_norm1, temporal_attn, then temporal_fc on the result);
//             spatial attention over each frame's patches with the class token
//             (norm1, attn; the class token's per-frame results are averaged);
//             MLP (norm2, fc1, GELU, fc2) on every token. LayerNorm eps 1e-6.
//   output  = head(norm(class token)).
#pragma once

#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "core/config/timesformer_config.h"
#include "core/models/float32_layer_norm.h"
#include "core/models/torch_checkpoint.h"

namespace dap {

// TimeSformer's Attention (qkv_bias = True): qkv [3 width, width] with q, k, v
// stacked, proj [width, width]; no dropout (inference and DAP's frozen backbone).
class TimeSformerAttentionImpl : public torch::nn::Module {
 public:
  TimeSformerAttentionImpl(int64_t width, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);  // [N, L, width]

 private:
  int64_t heads_;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(TimeSformerAttention);

// proj: Conv2d(3, width, patch_size, stride patch_size), applied to each frame.
class TimeSformerPatchEmbedImpl : public torch::nn::Module {
 public:
  TimeSformerPatchEmbedImpl(int64_t width, int64_t patch_size);
  torch::Tensor forward(const torch::Tensor& frames) { return proj(frames); }

 private:
  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(TimeSformerPatchEmbed);

// fc1 (width -> mlp_ratio width), GELU (exact), fc2.
class TimeSformerMlpImpl : public torch::nn::Module {
 public:
  TimeSformerMlpImpl(int64_t width, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(TimeSformerMlp);

class TimeSformerBlockImpl : public torch::nn::Module {
 public:
  TimeSformerBlockImpl(int64_t width, int64_t heads, int64_t mlp_ratio);
  // cls: [B, 1, width]; patches: [B, N, T, width] (N patches per frame); both updated.
  void forward(torch::Tensor& cls, torch::Tensor& patches);

 private:
  Float32LayerNorm norm1{nullptr}, temporal_norm1{nullptr}, norm2{nullptr};
  TimeSformerAttention attn{nullptr}, temporal_attn{nullptr};
  torch::nn::Linear temporal_fc{nullptr};
  TimeSformerMlp mlp{nullptr};
};
TORCH_MODULE(TimeSformerBlock);

struct TimeSformerOutput {
  // [B, num_classes]; undefined when the model has no classifier.
  torch::Tensor logits;
  // head's input: the class token after the final LayerNorm, [B, width].
  torch::Tensor features;
  // One per block: the mean of the frame's patch tokens at the block's output,
  // [B, T, width] -- the per-layer frame features X_{i,t} of the adaptation
  // block (METHOD.md 3 and 6: the class token is shared by all frames, so it
  // has no time axis to tap).
  std::vector<torch::Tensor> layer_features;
};

class TimeSformerImpl : public torch::nn::Module {
 public:
  explicit TimeSformerImpl(const TimeSformerConfig& config = {});

  // clip: [B, T, 3, H, W], normalised. Other
  // sizes than image_size and other frame counts than num_frames resize the
  // position and time embeddings by nearest-neighbour interpolation, as the
  // released code does.
  TimeSformerOutput forward(const torch::Tensor& clip, bool with_layer_features = true);

  const TimeSformerConfig& config() const { return config_; }
  bool has_classifier() const { return !head.is_empty(); }

 private:
  TimeSformerConfig config_;
  TimeSformerPatchEmbed patch_embed{nullptr};
  torch::Tensor cls_token, pos_embed, time_embed;
  torch::nn::ModuleList blocks{nullptr};
  Float32LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TimeSformer);

// The names and shapes a checkpoint of `config` holds (without "model.").
std::vector<ExpectedTensor> timesformer_expected_weights(const TimeSformerConfig& config, bool include_head);

// The model's weights in a state dict as released (a torch.save file whose
// "model_state" holds "model."-prefixed keys; the optimizer state and the rest
// are ignored), or a bare state dict with or without the "model." prefix.
StateDict timesformer_weights(const StateDict& state);

// The sizes a released checkpoint implies (width, layers, frames, image size,
// patch size, classes; heads = width / 64 as in every released model).
TimeSformerConfig timesformer_config_from_weights(const StateDict& weights);

// Copies the weights into `model` after checking every name and shape; throws
// one InputError naming `file` and every missing, unexpected or mis-shaped key.
// include_head = false ignores the checkpoint's classifier.
void load_timesformer(TimeSformer& model, const StateDict& state, const std::string& file, bool include_head);

}  // namespace dap
