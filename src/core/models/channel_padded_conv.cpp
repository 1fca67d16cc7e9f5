#include "core/models/channel_padded_conv.h"

#include <ATen/Context.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/padding.h>
#include <torch/version.h>

namespace dap {
namespace {

// oneDNN stores channels in blocks of 8 (AVX2) or 16 (AVX-512); counts up to 8 take a
// path without blocks.
constexpr int64_t kChannelBlock = 16;
constexpr int64_t kUnblockedChannels = 8;

// [N, C, ...] -> [N, C + extra, ...]: zero channels appended along dim 1.
torch::Tensor with_zero_channels(const torch::Tensor& x, int64_t extra) {
  return torch::nn::functional::pad(x, torch::nn::functional::PadFuncOptions({0, 0, 0, 0, 0, 0, 0, extra}));
}

}  // namespace

bool pads_channels(const torch::Tensor& input) {
  const int64_t channels = input.size(1);
  return TORCH_VERSION_MAJOR >= 2 && input.is_cpu() && at::globalContext().userEnabledMkldnn() &&
         channels > kUnblockedChannels && channels % kChannelBlock != 0;
}

torch::Tensor ChannelPaddedConv3dImpl::forward(const torch::Tensor& input) {
  // Grouped and non-zero padding modes are left to the plain path (R(2+1)D has neither).
  const bool zero_padding = options.padding_mode().index() == 0;
  if (!pads_channels(input) || options.groups() != 1 || !zero_padding) return Conv3dImpl::forward(input);
  const int64_t extra = kChannelBlock - input.size(1) % kChannelBlock;
  namespace F = torch::nn::functional;
  return F::conv3d(with_zero_channels(input, extra), with_zero_channels(weight, extra),
                   F::Conv3dFuncOptions()
                       .bias(bias)
                       .stride(options.stride())
                       .padding(options.padding())
                       .dilation(options.dilation()));
}

}  // namespace dap
