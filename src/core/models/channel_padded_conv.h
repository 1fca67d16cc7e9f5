// A Conv3d that avoids a oneDNN defect on CPUs (docs/ONEDNN_CONV.md): the oneDNN of
// libtorch 2.6 (Debian 13: 3.6 in the CPU build, 3.7.2 in the CUDA build) returns wrong
// values or NaN from a convolution whose input channels fill their last block only
// partly (blocks of 16 with AVX-512, of 8 with AVX2; counts up to 8 are not blocked):
// the block's padding is not zero. R(2+1)D has such widths (45, 230, ...). Appending
// zero channels to the input and to the weight up to a multiple of 16 leaves the sum
// unchanged and fills every block; libtorch 1.13 is not affected and runs the plain
// convolution.
#pragma once

#include <torch/nn/modules/conv.h>

namespace dap {

class ChannelPaddedConv3dImpl : public torch::nn::Conv3dImpl {
 public:
  using Conv3dImpl::Conv3dImpl;
  // Module names and parameters are Conv3d's ("weight", "bias"): checkpoints load unchanged.
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(ChannelPaddedConv3d);

// Whether forward pads this input: libtorch >= 2 with oneDNN enabled, a CPU tensor,
// more than 8 channels and not a multiple of 16.
bool pads_channels(const torch::Tensor& input);

}  // namespace dap
