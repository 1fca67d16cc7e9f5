// The scaled dot-product attention shared by every transformer in dap (CLIP's
// blocks, TimeSformer's divided attention, the adaptation block): one place for
// the math, and for torch's fused kernels where libtorch has them.
#pragma once

#include <torch/types.h>

namespace dap {

// softmax(q k^T / sqrt(head_dim) + additive_mask) v.
// q: [..., L, head_dim], k and v: [..., S, head_dim]; additive_mask: undefined, or
// broadcastable to [..., L, S] (e.g. CLIP's causal mask: 0 or -inf). libtorch >= 2.0:
// torch's scaled_dot_product_attention (flash / memory-efficient kernels on GPUs,
// a fused kernel on CPUs); libtorch 1.13: attention_explicit.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& additive_mask = {});

// The same product written out (matmul, softmax, matmul): the 1.13 path, and the
// reference the fused path is tested against.
torch::Tensor attention_explicit(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& additive_mask = {});

// True where attention() calls torch's fused kernel.
bool fused_attention_available();

// [N, L, heads * head_dim] -> [N, heads, L, head_dim] and back.
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
torch::Tensor merge_heads(const torch::Tensor& x);

// Self-attention from one stacked projection: qkv [N, L, 3 * width] holds q, k and v
// side by side (nn.MultiheadAttention's in_proj, timm's qkv Linear). -> [N, L, width],
// before the output projection.
torch::Tensor self_attention(const torch::Tensor& qkv, int64_t heads, const torch::Tensor& additive_mask = {});

}  // namespace dap
