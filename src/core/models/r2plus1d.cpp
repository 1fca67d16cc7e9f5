// R(2+1)D: module definition and loading of torchvision-style weights.
#include "core/models/r2plus1d.h"

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/base/strings.h"
#include "core/models/channel_padded_conv.h"

namespace dap {
namespace {

namespace nn = torch::nn;

const std::string kBatchCounter = ".num_batches_tracked";
const std::string kClassifier = "fc.";

// Channel-padded: R(2+1)D's widths trip a oneDNN defect (core/models/channel_padded_conv.h).
ChannelPaddedConv3d conv3d(int64_t in, int64_t out, torch::ExpandingArray<3> kernel, torch::ExpandingArray<3> stride,
                           torch::ExpandingArray<3> padding) {
  return ChannelPaddedConv3d(nn::Conv3dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

nn::BatchNorm3d batch_norm(int64_t channels, const R2Plus1dConfig& config) {
  return nn::BatchNorm3d(nn::BatchNorm3dOptions(channels).eps(config.bn_eps()));
}

// A Sequential that can sit inside another one: nn::Sequential's own forward
// is a template, which the outer Sequential cannot store (torchvision's C++
// models do the same).
class NestedSequentialImpl : public nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(NestedSequential);

// torchvision's Conv2Plus1D: a spatial 1x3x3 convolution to `mid` channels,
// BN, ReLU, then a temporal 3x1x1 convolution; `stride` applies to both.
NestedSequential conv2plus1d(int64_t in, int64_t out, int64_t mid, int64_t stride, const R2Plus1dConfig& config) {
  return NestedSequential(conv3d(in, mid, {1, 3, 3}, {1, stride, stride}, {0, 1, 1}), batch_norm(mid, config),
                        nn::ReLU(), conv3d(mid, out, {3, 1, 1}, {stride, 1, 1}, {1, 0, 0}));
}

}  // namespace

int64_t r2plus1d_midplanes(int64_t in, int64_t out) { return (in * out * 3 * 3 * 3) / (in * 3 * 3 + 3 * out); }

R2Plus1dBlockImpl::R2Plus1dBlockImpl(int64_t inplanes, int64_t planes, int64_t stride,
                                     const R2Plus1dConfig& config) {
  // torchvision reuses conv1's mid width for conv2; the Caffe2 models behind
  // the IG65M weights compute conv2's from its own (planes -> planes) shape.
  const int64_t mid1 = r2plus1d_midplanes(inplanes, planes);
  const int64_t mid2 = config.variant == "ig65m" ? r2plus1d_midplanes(planes, planes) : mid1;
  conv1 = register_module("conv1", nn::Sequential(conv2plus1d(inplanes, planes, mid1, stride, config),
                                                  batch_norm(planes, config), nn::ReLU()));
  conv2 = register_module("conv2",
                          nn::Sequential(conv2plus1d(planes, planes, mid2, 1, config), batch_norm(planes, config)));
  if (stride != 1 || inplanes != planes) {
    downsample = register_module(
        "downsample", nn::Sequential(conv3d(inplanes, planes, {1, 1, 1}, {stride, stride, stride}, {0, 0, 0}),
                                     batch_norm(planes, config)));
  }
}

torch::Tensor R2Plus1dBlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor residual = downsample.is_empty() ? x : downsample->forward(x);
  return torch::relu(conv2->forward(conv1->forward(x)) + residual);
}

R2Plus1dImpl::R2Plus1dImpl(const R2Plus1dConfig& config) : config_(config) {
  if (config.layers.size() != 4 || config.widths.size() != 4)
    throw ConfigError("R2Plus1dConfig: layers and widths must list 4 stages");
  if (config.variant != "ig65m" && config.variant != "torchvision")
    throw ConfigError("R2Plus1dConfig: variant must be \"ig65m\" or \"torchvision\", not \"" + config.variant + "\"");

  const int64_t mid = config.stem_mid_width, width = config.stem_width;
  stem = register_module("stem", nn::Sequential(conv3d(3, mid, {1, 7, 7}, {1, 2, 2}, {0, 3, 3}),
                                                batch_norm(mid, config), nn::ReLU(),
                                                conv3d(mid, width, {3, 1, 1}, {1, 1, 1}, {1, 0, 0}),
                                                batch_norm(width, config), nn::ReLU()));
  int64_t inplanes = config.stem_width;
  for (size_t s = 0; s < 4; ++s) {
    const int64_t planes = config.widths[s], stride = s == 0 ? 1 : 2;
    nn::Sequential stage;
    for (int b = 0; b < config.layers[s]; ++b) {
      stage->push_back(R2Plus1dBlock(inplanes, planes, b == 0 ? stride : 1, config));
      inplanes = planes;
    }
    stages_.push_back(register_module("layer" + std::to_string(s + 1), stage));
  }
  if (config.num_classes > 0) fc = register_module("fc", nn::Linear(inplanes, config.num_classes));

  // torchvision's VideoResNet initialisation (used when no weights are loaded).
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<nn::Conv3d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = module->as<nn::BatchNorm3d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    } else if (auto* linear = module->as<nn::Linear>()) {
      nn::init::normal_(linear->weight, 0.0, 0.01);
      nn::init::zeros_(linear->bias);
    }
  }
}

R2Plus1dOutput R2Plus1dImpl::forward(const torch::Tensor& video) {
  if (video.dim() != 5 || video.size(1) != 3)
    throw Error("R2Plus1d expects video [B, 3, T, H, W], got " + std::to_string(video.dim()) + "-d input" +
                (video.dim() >= 2 ? " with " + std::to_string(video.size(1)) + " channels" : ""));
  R2Plus1dOutput out;
  torch::Tensor x = stem->forward(video);
  for (auto& stage : stages_) {
    x = stage->forward(x);
    out.stage_features.push_back(x.mean({3, 4}).transpose(1, 2));  // [B, C, T] -> [B, T, C]
  }
  out.last_feature_map = x;
  if (!fc.is_empty()) out.logits = fc->forward(x.mean({2, 3, 4}));  // AdaptiveAvgPool3d(1) + flatten
  return out;
}

std::vector<ExpectedTensor> r2plus1d_expected_weights(const R2Plus1dConfig& config, bool include_fc) {
  // Derived from the module itself, so names and shapes cannot drift apart.
  R2Plus1dConfig with_fc = config;
  if (!include_fc) with_fc.num_classes = 0;
  R2Plus1d model(with_fc);
  std::vector<ExpectedTensor> expected;
  for (const auto& item : model->named_parameters()) expected.push_back({item.key(), item.value().sizes().vec()});
  for (const auto& item : model->named_buffers())
    expected.push_back({item.key(), item.value().sizes().vec(), /*required=*/!ends_with(item.key(), kBatchCounter)});
  return expected;
}

void load_r2plus1d(R2Plus1d& model, const StateDict& state, const std::string& file, bool include_fc) {
  if (include_fc && !model->has_classifier())
    throw Error("load_r2plus1d: include_fc needs a model with a classifier (num_classes > 0) for " + file);
  StateDict used;
  for (const auto& [name, tensor] : state)
    if (include_fc || !starts_with(name, kClassifier)) used.emplace(name, tensor);
  check_state_dict(used, r2plus1d_expected_weights(model->config(), include_fc), file, /*allow_unexpected=*/false);

  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    auto it = used.find(item.key());
    if (it != used.end()) item.value().copy_(it->second);  // absent only for fc without include_fc
  }
  for (auto& item : model->named_buffers()) {
    auto it = used.find(item.key());
    if (it != used.end()) item.value().copy_(it->second);
  }
}

R2Plus1d load_r2plus1d(const std::string& weights_path, const R2Plus1dConfig& config, bool include_fc) {
  R2Plus1d model(config);
  load_r2plus1d(model, load_torch_state_dict(weights_path), weights_path, include_fc);
  model->eval();
  return model;
}

}  // namespace dap
