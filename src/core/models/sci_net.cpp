// SCI network: module definition and loading of the official weights.
#include "core/models/sci_net.h"

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/base/strings.h"

namespace dap {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, /*kernel_size=*/3).stride(1).padding(1).bias(true));
}

// The official files hold `enhance.blocks.0.*` next to `enhance.conv.*` (the
// same tensors under the authors' ModuleList name); only `conv` is used.
const std::string kEnhancePrefix = "enhance.";
const std::string kBlocksAlias = "enhance.blocks.";
const std::string kBatchCounter = ".num_batches_tracked";

}  // namespace

SciNetImpl::SciNetImpl(int64_t channels) : channels_(channels) {
  in_conv = register_module("in_conv", nn::Sequential(conv3x3(3, channels), nn::ReLU()));
  // eps must be exactly 1e-5: the stored running variances (~1e-7..1e-5) are
  // below it, so any other eps changes the output visibly (METHOD.md 1).
  conv = register_module("conv", nn::Sequential(conv3x3(channels, channels),
                                                nn::BatchNorm2d(nn::BatchNorm2dOptions(channels).eps(1e-5)),
                                                nn::ReLU()));
  out_conv = register_module("out_conv", nn::Sequential(conv3x3(channels, 3), nn::Sigmoid()));
}

torch::Tensor SciNetImpl::forward(const torch::Tensor& x) {
  torch::Tensor f = in_conv->forward(x);
  f = f + conv->forward(f);
  f = out_conv->forward(f);
  const torch::Tensor illumination = torch::clamp(f + x, 1e-4, 1.0);
  return torch::clamp(x / illumination, 0.0, 1.0);
}

std::vector<ExpectedTensor> sci_expected_weights(int64_t channels) {
  // Derived from the module itself, so names and shapes cannot drift apart.
  SciNet net(channels);
  std::vector<ExpectedTensor> expected;
  for (const auto& item : net->named_parameters()) expected.push_back({item.key(), item.value().sizes().vec()});
  for (const auto& item : net->named_buffers())
    expected.push_back({item.key(), item.value().sizes().vec(), /*required=*/!ends_with(item.key(), kBatchCounter)});
  return expected;
}

SciNet sci_net_from_state_dict(const StateDict& state, const std::string& file) {
  // Keys keep their full names ("enhance.conv.0.weight") so that errors quote
  // what is in the file.
  StateDict enhance;
  for (const auto& [name, tensor] : state)
    if (name.rfind(kEnhancePrefix, 0) == 0 && name.rfind(kBlocksAlias, 0) != 0) enhance.emplace(name, tensor);

  // The width C is read from the file (the official weights have C = 3); a
  // file without in_conv is checked against C = 3 to report what is missing.
  int64_t channels = 3;
  auto in_weight = enhance.find(kEnhancePrefix + "in_conv.0.weight");
  if (in_weight != enhance.end() && in_weight->second.dim() == 4) channels = in_weight->second.size(0);
  std::vector<ExpectedTensor> expected = sci_expected_weights(channels);
  for (ExpectedTensor& e : expected) e.name = kEnhancePrefix + e.name;
  check_state_dict(enhance, expected, file, /*allow_unexpected=*/false);

  SciNet net(channels);
  torch::NoGradGuard no_grad;
  for (auto& item : net->named_parameters()) item.value().copy_(enhance.at(kEnhancePrefix + item.key()));
  for (auto& item : net->named_buffers()) {
    auto it = enhance.find(kEnhancePrefix + item.key());
    if (it != enhance.end()) item.value().copy_(it->second);
  }
  net->eval();
  return net;
}

SciNet load_sci_net(const std::string& weights_path) {
  return sci_net_from_state_dict(load_torch_state_dict(weights_path), weights_path);
}

}  // namespace dap
