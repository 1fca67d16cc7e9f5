// bfloat16 autocast (core/train/mixed_precision.h) on the CPU: a CLIP ViT forward
// and backward under the scope against float32, the precision choice, and that
// the scope leaves autocast as it found it.
//
// Tolerance: bfloat16 keeps 8 mantissa bits (relative rounding 2^-9 = 0.2%); through
// two transformer blocks the embedding's max difference stays within 5% of its
// largest value (measured: printed). The test also requires a difference, so it
// fails when the scope does not switch autocast on.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

#include "core/models/clip_visual.h"
#include "core/train/mixed_precision.h"

namespace dap {
namespace {

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max() / b.to(torch::kDouble).abs().max()).item<double>();
}

ClipVisualConfig small_vit() {
  ClipVisualConfig c;
  c.image_size = 32, c.patch_size = 8, c.width = 128, c.layers = 2, c.heads = 4, c.output_dim = 64;
  return c;
}

TEST(MixedPrecision, Bf16ForwardAndGradientsWithinToleranceOfFloat32) {
  torch::manual_seed(0);
  ClipVisual vit(small_vit());
  const torch::Tensor clip = torch::randn({2, 3, 3, 32, 32});
  const torch::Device cpu(torch::kCPU);

  const auto run = [&](bool bf16) {
    vit->zero_grad();
    torch::Tensor embedding;
    {
      MixedPrecision autocast(cpu, bf16);
      embedding = vit->forward(clip, /*with_layer_cls=*/true).embedding;
    }
    embedding = embedding.to(torch::kFloat);
    embedding.square().sum().backward();
    return std::make_pair(embedding.detach(), vit->named_parameters()["transformer.resblocks.0.mlp.c_fc.weight"].grad().clone());
  };
  const auto [fp32, fp32_grad] = run(false);
  const auto [bf16, bf16_grad] = run(true);
  EXPECT_EQ(bf16_grad.scalar_type(), torch::kFloat);  // gradients of float32 parameters stay float32
  const double forward = relative_difference(bf16, fp32), backward = relative_difference(bf16_grad, fp32_grad);
  std::cout << "bf16 against fp32: embedding " << forward << ", gradient " << backward << " (max relative)\n";
  EXPECT_GT(forward, 1e-5) << "no difference: autocast did not run in bfloat16";
  EXPECT_LE(forward, 5e-2);
  EXPECT_LE(backward, 1e-1);
}

TEST(MixedPrecision, ScopeRestoresTheStateItFound) {
  const torch::Device cpu(torch::kCPU);
  const torch::Tensor a = torch::randn({4, 4}), b = torch::randn({4, 4});
  {
    MixedPrecision outer(cpu, true);
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
    {
      MixedPrecision off(cpu, false);  // a disabled scope changes nothing
      EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
    }
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat);
}

TEST(MixedPrecision, AutoMeansBf16OnlyOnCuda) {
  EXPECT_TRUE(uses_bf16("auto", torch::Device(torch::kCUDA, 0)));
  EXPECT_FALSE(uses_bf16("auto", torch::Device(torch::kCPU)));
  EXPECT_TRUE(uses_bf16("bf16", torch::Device(torch::kCPU)));
  EXPECT_FALSE(uses_bf16("fp32", torch::Device(torch::kCUDA, 0)));
}

}  // namespace
}  // namespace dap
