// The modules trained on top of the frozen backbone (METHOD.md 3):
//
// ProgressiveAdaptationBlock (PAB, paper Eq. 2-6). For backbone layers i = 1..n
//   X_i  = input_proj_i(features_i)        (optional per-layer Linear D_i -> D)
//   Y_i  = LayerNorm_i(X_i)                 (one LayerNorm per layer)
//   P~_i = P_{i-1} + MHA_i(query=P_{i-1}, key=Y_i, value=Y_i)
//   P_i  = P~_i + MLP_i(P~_i)               (literally; no LayerNorm before the MLP)
// with learnable P_0 [M, D]; then R = TemporalTransformer(concat(Y_n, P_n) + pos)
// with a learnable positional embedding over T + M positions, and the video
// feature f = mean_t R_t, [B, D]. Each layer has its own MHA and MLP.
//
// LockEncoder ("lock encoder" of Table 4, ActionCLIP's "Transf" fusion): a
// temporal transformer over the last layer's frame features X [B, T, D] plus
// a learnable positional embedding, ActionCLIP's skip connection
// (R + X), and mean pooling, [B, D].
//
// Every MLP is Linear(D, r D), exact (erf) GELU, Linear(r D, D); the temporal
// transformer is standard pre-LN encoder layers (LayerNorm eps 1e-5):
//   x = x + SelfAttn(norm1(x)); x = x + linear2(GELU(linear1(norm2(x)))).
// ActionCLIP uses CLIP's QuickGELU in its blocks; these modules are trained
// from scratch, so the exact GELU of the paper's transformer is used.
// Attention has torch.nn.MultiheadAttention's parameter layout and the
// temporal layers nn.TransformerEncoderLayer's names, so an independent
// PyTorch model loads the same state dict. No dropout.
//
// Parameter names (n layers, N_t temporal layers):
//   prompts [M, D], positional_embedding [T + M, D] (lock encoder: [T, D]),
//   steps.{i}.input_proj.{weight,bias}, steps.{i}.norm.{weight,bias},
//   steps.{i}.attn.{in_proj_weight,in_proj_bias,out_proj.weight,out_proj.bias},
//   steps.{i}.mlp.{0,2}.{weight,bias},
//   temporal.layers.{j}.{self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*};
//   the lock encoder has input_proj.{weight,bias} when input_widths is set.
#pragma once

#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "core/config/adaptation_config.h"
#include "core/models/float32_layer_norm.h"
#include "core/models/torch_checkpoint.h"

namespace dap {

// nn.MultiheadAttention (batch-first), written out: in_proj_weight [3D, D] and
// in_proj_bias [3D] hold the q, k, v projections stacked; out_proj is Linear(D, D).
class AdapterAttentionImpl : public torch::nn::Module {
 public:
  AdapterAttentionImpl(int64_t width, int64_t heads);
  // query [B, Lq, D], key and value [B, Lk, D] -> [B, Lq, D].
  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& key, const torch::Tensor& value);

 private:
  int64_t heads_;
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(AdapterAttention);

// Linear(D, r D), GELU, Linear(r D, D) as a Sequential (names mlp.0, mlp.2).
torch::nn::Sequential adapter_mlp(int64_t width, int64_t hidden);

// One pre-LN transformer encoder layer (nn.TransformerEncoderLayer with
// norm_first=True, activation="gelu", batch_first=True, dropout 0).
class TemporalEncoderLayerImpl : public torch::nn::Module {
 public:
  TemporalEncoderLayerImpl(int64_t width, int64_t heads, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);  // [B, L, D] -> [B, L, D]

 private:
  AdapterAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  Float32LayerNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(TemporalEncoderLayer);

// `layers` encoder layers under the name "layers" (nn.TransformerEncoder without a final norm).
class TemporalTransformerImpl : public torch::nn::Module {
 public:
  TemporalTransformerImpl(int64_t width, int64_t layers, int64_t heads, int64_t hidden);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(TemporalTransformer);

// The PAB's work for one backbone layer: input projection (optional), LayerNorm,
// cross-attention of the prompts to the frames, MLP.
class AdaptationStepImpl : public torch::nn::Module {
 public:
  AdaptationStepImpl(int64_t input_width, int64_t width, int64_t heads, int64_t hidden, bool project);
  // Y_i = LayerNorm(proj(features)), [B, T_i, D].
  torch::Tensor frames(const torch::Tensor& features);
  // P_i from P_{i-1} [B, M, D] and Y_i.
  torch::Tensor update(const torch::Tensor& prompts, const torch::Tensor& frames);

 private:
  torch::nn::Linear input_proj{nullptr};
  Float32LayerNorm norm{nullptr};
  AdapterAttention attn{nullptr};
  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(AdaptationStep);

class ProgressiveAdaptationBlockImpl : public torch::nn::Module {
 public:
  explicit ProgressiveAdaptationBlockImpl(const AdaptationConfig& config);

  // layer_features: n tensors [B, T_i, D_i], one per backbone layer, shallow
  // to deep (T_i may differ between layers; T_n must be config.num_frames).
  // Returns the video feature f [B, D].
  torch::Tensor forward(const std::vector<torch::Tensor>& layer_features);

  const AdaptationConfig& config() const { return config_; }

 private:
  AdaptationConfig config_;
  torch::Tensor prompts, positional_embedding;
  torch::nn::ModuleList steps{nullptr};
  TemporalTransformer temporal{nullptr};
};
TORCH_MODULE(ProgressiveAdaptationBlock);

class LockEncoderImpl : public torch::nn::Module {
 public:
  explicit LockEncoderImpl(const AdaptationConfig& config);

  // frame_features: the last backbone layer's features [B, T, D_n] with
  // T = config.num_frames. Returns the video feature [B, D].
  torch::Tensor forward(const torch::Tensor& frame_features);

 private:
  AdaptationConfig config_;
  torch::nn::Linear input_proj{nullptr};
  torch::Tensor positional_embedding;
  TemporalTransformer temporal{nullptr};
};
TORCH_MODULE(LockEncoder);

// config.mode picks the module: "pab" registers a ProgressiveAdaptationBlock
// under "pab", "lock_encoder" a LockEncoder under "lock_encoder" (which reads
// only the last layer's features).
class VideoAdapterImpl : public torch::nn::Module {
 public:
  explicit VideoAdapterImpl(const AdaptationConfig& config);
  torch::Tensor forward(const std::vector<torch::Tensor>& layer_features);

 private:
  ProgressiveAdaptationBlock pab{nullptr};
  LockEncoder lock_encoder{nullptr};
};
TORCH_MODULE(VideoAdapter);

}  // namespace dap
