// SCI enhancement network (Ma et al., CVPR 2022; vis-opt-group/SCI), inference
// part only: the `enhance` sub-network of the official weights. METHOD.md 1.
#pragma once

#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include "core/models/torch_checkpoint.h"

namespace dap {

// Submodule names and layouts follow the authors' EnhanceNetwork, so that the
// parameter names are the checkpoint keys without "enhance.":
//   in_conv  = [Conv2d(3, C, 3, pad 1), ReLU]
//   conv     = [Conv2d(C, C, 3, pad 1), BatchNorm2d(C, eps 1e-5), ReLU]
//   out_conv = [Conv2d(C, 3, 3, pad 1), Sigmoid]
// The official weights have C = 3 and one block.
class SciNetImpl : public torch::nn::Module {
 public:
  explicit SciNetImpl(int64_t channels = 3);

  // x: RGB in [0, 1], [N, 3, H, W] float32. Returns the enhanced image
  // r = clamp(x / clamp(f + x, 1e-4, 1), 0, 1), same shape.
  torch::Tensor forward(const torch::Tensor& x);

  int64_t channels() const { return channels_; }

 private:
  int64_t channels_;
  torch::nn::Sequential in_conv{nullptr}, conv{nullptr}, out_conv{nullptr};
};
TORCH_MODULE(SciNet);

// The names and shapes of the weights an SCI network with `channels` expects
// (checkpoint keys without "enhance."); num_batches_tracked is optional.
std::vector<ExpectedTensor> sci_expected_weights(int64_t channels);

// Builds an SCI network in eval mode from a state dict holding the official
// `enhance.*` keys (`enhance.blocks.*` aliases and `calibrate.*` are ignored).
// Throws InputError naming `file` and every missing or mis-shaped key.
SciNet sci_net_from_state_dict(const StateDict& state, const std::string& file);

// Reads an official SCI weight file (easy.pt, medium.pt, difficult.pt).
SciNet load_sci_net(const std::string& weights_path);

}  // namespace dap
