#include "core/models/attention.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <vector>

namespace dap {

bool fused_attention_available() { return TORCH_VERSION_MAJOR >= 2; }

torch::Tensor attention_explicit(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& additive_mask) {
  torch::Tensor logits = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (additive_mask.defined()) logits = logits + additive_mask.to(logits.scalar_type());
  return torch::matmul(torch::softmax(logits, -1), v);
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& additive_mask) {
#if TORCH_VERSION_MAJOR >= 2
  c10::optional<torch::Tensor> mask;
  if (additive_mask.defined()) mask = additive_mask.to(q.scalar_type());
  return at::scaled_dot_product_attention(q, k, v, mask);
#else
  return attention_explicit(q, k, v, additive_mask);
#endif
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

torch::Tensor self_attention(const torch::Tensor& qkv, int64_t heads, const torch::Tensor& additive_mask) {
  const std::vector<torch::Tensor> parts = qkv.chunk(3, -1);
  return merge_heads(attention(split_heads(parts[0], heads), split_heads(parts[1], heads),
                               split_heads(parts[2], heads), additive_mask));
}

}  // namespace dap
