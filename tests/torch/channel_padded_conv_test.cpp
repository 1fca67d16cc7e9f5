// ChannelPaddedConv3d (core/models/channel_padded_conv.h) against a float64
// convolution (which oneDNN does not run), forward and weight gradient, at
// R(2+1)D's awkward widths. On libtorch 2.6 with oneDNN the plain
// Conv3d fails this comparison (its error is printed; docs/ONEDNN_CONV.md).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

#include "core/models/channel_padded_conv.h"

namespace dap {
namespace {

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b).abs().max() / b.abs().max()).item<double>();
}

struct Case {
  int64_t in, out;
  std::vector<int64_t> kernel, stride, padding, input;
};

TEST(ChannelPaddedConv3d, MatchesFloat64AtRTwoPlusOneDWidths) {
  torch::manual_seed(0);
  const std::vector<Case> cases = {
      {24, 16, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {2, 24, 4, 8, 8}},    // the tiny test models' widths
      {45, 64, {3, 1, 1}, {1, 1, 1}, {1, 0, 0}, {1, 45, 8, 14, 14}},  // R(2+1)D-34's stem
      {28, 16, {3, 1, 1}, {2, 1, 1}, {1, 0, 0}, {2, 28, 12, 10, 10}},
      {230, 128, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}, {1, 230, 2, 9, 9}},  // a layer2 mid-plane width
      {12, 8, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {2, 12, 4, 8, 8}},     // wrong with AVX2's blocks of 8
      {32, 16, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {2, 32, 4, 8, 8}},    // a multiple of 16: not padded
  };
  for (const Case& c : cases) {
    ChannelPaddedConv3d conv(torch::nn::Conv3dOptions(c.in, c.out, torch::IntArrayRef(c.kernel))
                                 .stride(torch::IntArrayRef(c.stride))
                                 .padding(torch::IntArrayRef(c.padding))
                                 .bias(true));
    const torch::Tensor x = torch::randn(c.input);
    const torch::Tensor weight64 = conv->weight.detach().to(torch::kDouble).requires_grad_(true);
    const torch::Tensor reference = torch::conv3d(x.to(torch::kDouble), weight64, conv->bias.detach().to(torch::kDouble),
                                                  c.stride, c.padding);
    reference.square().sum().backward();

    const torch::Tensor out = conv->forward(x);
    out.square().sum().backward();
    double plain;
    {
      torch::NoGradGuard no_grad;
      plain = relative_difference(conv->Conv3dImpl::forward(x), reference.detach());
    }
    const double forward = relative_difference(out.detach(), reference.detach());
    const double gradient = relative_difference(conv->weight.grad(), weight64.grad());
    std::cout << c.in << " channels" << (pads_channels(x) ? " (padded)" : "") << ": forward " << forward
              << ", weight gradient " << gradient << "; plain Conv3d forward " << plain << "\n";
    EXPECT_LE(forward, 1e-5) << c.in << " input channels";
    EXPECT_LE(gradient, 1e-5) << c.in << " input channels";
  }
}

TEST(ChannelPaddedConv3d, ParametersAreConv3dsAndFollowTheModule) {
  ChannelPaddedConv3d conv(torch::nn::Conv3dOptions(20, 8, 3).bias(false));
  const auto params = conv->named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params["weight"].sizes(), torch::IntArrayRef({8, 20, 3, 3, 3}));  // stored unpadded
  EXPECT_NE(conv->as<torch::nn::Conv3d>(), nullptr);
}

}  // namespace
}  // namespace dap
