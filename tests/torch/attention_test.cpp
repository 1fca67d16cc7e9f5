// The shared attention (core/models/attention.h): the path in use (torch's fused
// scaled_dot_product_attention on libtorch >= 2.0, the explicit product on 1.13)
// against the explicit product, with and without an additive mask, in float32
// and bfloat16; and the head layout of self_attention against torch's own
// nn::MultiheadAttention (the layout of CLIP's checkpoints).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <limits>

#include "core/models/attention.h"

namespace dap {
namespace {

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max() / b.to(torch::kDouble).abs().max()).item<double>();
}

torch::Tensor causal_mask(int64_t length) {
  return torch::full({length, length}, -std::numeric_limits<float>::infinity()).triu(1);
}

TEST(Attention, FusedPathEqualsTheExplicitProduct) {
  torch::manual_seed(0);
  const torch::Tensor q = torch::randn({3, 4, 17, 16}), k = torch::randn({3, 4, 17, 16}), v = torch::randn({3, 4, 17, 16});
  std::cout << "fused kernel: " << (fused_attention_available() ? "yes" : "no (libtorch 1.x)") << "\n";
  for (const torch::Tensor& mask : {torch::Tensor(), causal_mask(17)}) {
    const double diff = relative_difference(attention(q, k, v, mask), attention_explicit(q, k, v, mask));
    std::cout << (mask.defined() ? "causal" : "no mask") << ": max relative difference " << diff << "\n";
    EXPECT_LE(diff, 1e-5);
  }
}

TEST(Attention, CrossAttentionWithDifferentLengths) {
  torch::manual_seed(1);
  const torch::Tensor q = torch::randn({2, 2, 5, 8}), k = torch::randn({2, 2, 9, 8}), v = torch::randn({2, 2, 9, 8});
  const torch::Tensor out = attention(q, k, v);
  EXPECT_EQ(out.sizes(), torch::IntArrayRef({2, 2, 5, 8}));
  EXPECT_LE(relative_difference(out, attention_explicit(q, k, v)), 1e-5);
}

// bfloat16 keeps 8 bits of mantissa: the product of bf16 inputs against the float32
// product of the same (rounded) inputs agrees to about 2^-8 of the output's scale.
TEST(Attention, BFloat16WithinItsPrecisionOfFloat32) {
  torch::manual_seed(2);
  const torch::Tensor q = torch::randn({2, 4, 33, 32}), k = torch::randn({2, 4, 33, 32}), v = torch::randn({2, 4, 33, 32});
  const auto bf16 = [](const torch::Tensor& x) { return x.to(torch::kBFloat16); };
  const torch::Tensor out = attention(bf16(q), bf16(k), bf16(v), causal_mask(33));
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  const double diff = relative_difference(out, attention_explicit(bf16(q).to(torch::kFloat), bf16(k).to(torch::kFloat),
                                                                   bf16(v).to(torch::kFloat), causal_mask(33)));
  std::cout << "bf16 against float32: max relative difference " << diff << "\n";
  EXPECT_LE(diff, 3e-2);
}

TEST(Attention, SelfAttentionHeadsMatchTorchMultiheadAttention) {
  torch::manual_seed(3);
  const int64_t width = 24, heads = 3;
  torch::nn::MultiheadAttention mha(torch::nn::MultiheadAttentionOptions(width, heads));
  {
    torch::NoGradGuard no_grad;
    mha->in_proj_bias.normal_();
    mha->out_proj->weight.copy_(torch::eye(width));  // compare before the output projection
    mha->out_proj->bias.zero_();
  }
  const torch::Tensor x = torch::randn({2, 7, width});  // [N, L, width]
  const torch::Tensor mask = causal_mask(7);
  const torch::Tensor expected =
      std::get<0>(mha->forward(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), {}, true, mask)).transpose(0, 1);
  const torch::Tensor qkv = torch::nn::functional::linear(x, mha->in_proj_weight, mha->in_proj_bias);
  EXPECT_LE(relative_difference(self_attention(qkv, heads, mask), expected), 1e-5);
}

}  // namespace
}  // namespace dap
