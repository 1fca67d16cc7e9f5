// The transformer shared by CLIP's two towers, as in OpenAI's clip/model.py:
// pre-LN residual attention blocks with QuickGELU MLPs. Submodule and
// parameter names are OpenAI's, so module names are checkpoint keys
// ("resblocks.0.attn.in_proj_weight", "resblocks.0.mlp.c_fc.weight", ...).
//
// Tokens are batch-first here, [N, L, width]; OpenAI's code runs sequence-first
// ([L, N, width]) but computes the same thing token by token.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "core/models/float32_layer_norm.h"

namespace dap {

// OpenAI's activation: x * sigmoid(1.702 x), a cheap approximation of GELU.
torch::Tensor quick_gelu(const torch::Tensor& x);

// nn.MultiheadAttention's computation and parameter layout, written out:
// in_proj_weight [3 width, width] and in_proj_bias [3 width] (q, k, v stacked),
// out_proj a Linear(width, width). Dropout is 0 as in CLIP.
class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(int64_t width, int64_t heads);

  // x: [N, L, width]. attn_mask: undefined, or [L, L] added to the attention
  // logits (-inf blocks a key), e.g. the text encoder's causal mask.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_mask = {});

 private:
  int64_t heads_;
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(ClipAttention);

// c_fc (width -> 4 width), QuickGELU, c_proj (4 width -> width).
class ClipMlpImpl : public torch::nn::Module {
 public:
  explicit ClipMlpImpl(int64_t width);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(ClipMlp);

// x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)). LayerNorm eps 1e-5.
class ResidualAttentionBlockImpl : public torch::nn::Module {
 public:
  ResidualAttentionBlockImpl(int64_t width, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_mask = {});

 private:
  Float32LayerNorm ln_1{nullptr}, ln_2{nullptr};
  ClipAttention attn{nullptr};
  ClipMlp mlp{nullptr};
};
TORCH_MODULE(ResidualAttentionBlock);

// `layers` blocks under the name "resblocks". The towers call block(i) in a
// loop when they need per-layer outputs (the visual CLS taps).
class ClipTransformerImpl : public torch::nn::Module {
 public:
  ClipTransformerImpl(int64_t width, int64_t layers, int64_t heads);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& attn_mask = {});

  int64_t layers() const { return static_cast<int64_t>(resblocks->size()); }
  ResidualAttentionBlockImpl& block(int64_t i) { return *resblocks->ptr<ResidualAttentionBlockImpl>(i); }

 private:
  torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(ClipTransformer);

}  // namespace dap
