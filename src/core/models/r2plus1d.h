// R(2+1)D video ResNet (Tran et al., CVPR 2018) as torchvision's VideoResNet
// with R2Plus1dStem, Conv2Plus1D and BasicBlock, so that module names are the
// keys of torchvision-style checkpoints such as the IG65M weights
// ("stem.0.weight", "layer2.0.conv1.0.0.weight", "layer2.0.downsample.1.running_var",
// "fc.weight"). METHOD.md 6; the variants are explained in r2plus1d_config.h.
//
//   stem   = [Conv(3->45, 1x7x7, stride 1x2x2), BN, ReLU, Conv(45->64, 3x1x1), BN, ReLU]
//   layerS = BasicBlocks; block = ReLU(conv2(conv1(x)) + downsample(x))
//     conv1 = [Conv2Plus1D(in, planes, mid, stride), BN, ReLU]
//     conv2 = [Conv2Plus1D(planes, planes, mid2), BN]
//     Conv2Plus1D = [Conv(1x3x3, stride 1xSxS), BN(mid), ReLU, Conv(3x1x1, stride Sx1x1)]
//     downsample = [Conv(1x1x1, stride S), BN] when S != 1 or in != planes
//   fc     = Linear(widths[3], num_classes) on the global average.
#pragma once

#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "core/config/r2plus1d_config.h"
#include "core/models/torch_checkpoint.h"

namespace dap {

// The (2+1)D parameter-matching rule: the mid width that gives a 1x3x3 + 3x1x1
// pair as many weights as one 3x3x3 convolution from `in` to `out` channels.
int64_t r2plus1d_midplanes(int64_t in, int64_t out);

// torchvision's BasicBlock (expansion 1).
class R2Plus1dBlockImpl : public torch::nn::Module {
 public:
  R2Plus1dBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, const R2Plus1dConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential conv1{nullptr}, conv2{nullptr}, downsample{nullptr};
};
TORCH_MODULE(R2Plus1dBlock);

struct R2Plus1dOutput {
  // [B, num_classes]; undefined when the model has no classifier.
  torch::Tensor logits;
  // One per stage (layer1..layer4): the feature of each time step averaged
  // over height and width, [B, T_s, widths[s]]. T shrinks with the temporal
  // strides 1, 2, 2, 2: T_1 = T, T_{s+1} = ceil(T_s / 2) for s >= 1 (64 input
  // frames -> 64, 32, 16, 8). These are the CNN's per-layer frame features of
  // the progressive adaptation block (METHOD.md 3).
  std::vector<torch::Tensor> stage_features;
  // layer4's output [B, widths[3], T_4, H_4, W_4] (H_4 = ceil(H / 16)), for Grad-CAM.
  torch::Tensor last_feature_map;
};

class R2Plus1dImpl : public torch::nn::Module {
 public:
  explicit R2Plus1dImpl(const R2Plus1dConfig& config = {});

  // video: [B, 3, T, H, W] float (torchvision's video layout: channels before
  // time), normalised as the weights expect. BatchNorm follows the module's
  // mode: call eval() for a frozen backbone.
  R2Plus1dOutput forward(const torch::Tensor& video);

  const R2Plus1dConfig& config() const { return config_; }
  bool has_classifier() const { return !fc.is_empty(); }

 private:
  R2Plus1dConfig config_;
  torch::nn::Sequential stem{nullptr};
  std::vector<torch::nn::Sequential> stages_;  // registered as layer1..layer4
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(R2Plus1d);

// The names and shapes of the weights `config` expects; the BatchNorm
// num_batches_tracked counters are optional. Without include_fc no fc.* key.
std::vector<ExpectedTensor> r2plus1d_expected_weights(const R2Plus1dConfig& config, bool include_fc);

// Copies a torchvision-style state dict into `model`. With include_fc the
// file's fc.* must match the model's classifier; without it fc.* in the file
// is ignored and the model's classifier (if any) keeps its initial weights.
// Throws one InputError naming `file` and every missing, mis-shaped or
// unknown key. The module's train/eval mode is left as it is.
void load_r2plus1d(R2Plus1d& model, const StateDict& state, const std::string& file, bool include_fc);

// Builds a model from `config` and reads `weights_path` into it; eval mode.
R2Plus1d load_r2plus1d(const std::string& weights_path, const R2Plus1dConfig& config, bool include_fc);

}  // namespace dap
