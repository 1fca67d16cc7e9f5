// CLIP transformer blocks (see clip_blocks.h).
#include "core/models/clip_blocks.h"

#include <torch/torch.h>

#include <string>

#include "core/base/error.h"
#include "core/models/attention.h"

namespace dap {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

constexpr double kLayerNormEps = 1e-5;

Float32LayerNorm make_layer_norm(int64_t width) {
  return Float32LayerNorm(nn::LayerNormOptions({width}).eps(kLayerNormEps));
}

}  // namespace

torch::Tensor quick_gelu(const torch::Tensor& x) { return x * torch::sigmoid(1.702 * x); }

ClipAttentionImpl::ClipAttentionImpl(int64_t width, int64_t heads) : heads_(heads) {
  if (heads <= 0 || width % heads != 0)
    throw Error("CLIP attention: heads (" + std::to_string(heads) + ") must divide width (" +
                std::to_string(width) + ")");
  // Initialised as nn.MultiheadAttention does; loading overwrites them anyway.
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width, width}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width}));
  nn::init::xavier_uniform_(in_proj_weight);
  out_proj = register_module("out_proj", nn::Linear(width, width));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_mask) {
  return out_proj->forward(self_attention(F::linear(x, in_proj_weight, in_proj_bias), heads_, attn_mask));
}

ClipMlpImpl::ClipMlpImpl(int64_t width) {
  c_fc = register_module("c_fc", nn::Linear(width, 4 * width));
  c_proj = register_module("c_proj", nn::Linear(4 * width, width));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) { return c_proj->forward(quick_gelu(c_fc->forward(x))); }

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(int64_t width, int64_t heads) {
  // Registered in OpenAI's order: attn, ln_1, mlp, ln_2.
  attn = register_module("attn", ClipAttention(width, heads));
  ln_1 = register_module("ln_1", make_layer_norm(width));
  mlp = register_module("mlp", ClipMlp(width));
  ln_2 = register_module("ln_2", make_layer_norm(width));
}

torch::Tensor ResidualAttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_mask) {
  const torch::Tensor h = x + attn->forward(ln_1(x), attn_mask);
  return h + mlp->forward(ln_2(h));
}

ClipTransformerImpl::ClipTransformerImpl(int64_t width, int64_t layers, int64_t heads) {
  resblocks = register_module("resblocks", nn::ModuleList());
  for (int64_t i = 0; i < layers; ++i) resblocks->push_back(ResidualAttentionBlock(width, heads));
}

torch::Tensor ClipTransformerImpl::forward(torch::Tensor x, const torch::Tensor& attn_mask) {
  for (int64_t i = 0; i < layers(); ++i) x = block(i).forward(x, attn_mask);
  return x;
}

}  // namespace dap
