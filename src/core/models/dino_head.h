// DINO's projection head (Caron et al., ICCV 2021; facebookresearch/dino
// DINOHead with nlayers 3, no BatchNorm, norm_last_layer True). METHOD.md 4.
//
//   mlp        = [Linear(in, hidden), GELU, Linear(hidden, hidden), GELU, Linear(hidden, bottleneck)]
//   z          = mlp(x) / max(||mlp(x)||_2, 1e-12)            (F.normalize)
//   last_layer = weight-normalised Linear(bottleneck, K) without bias:
//                W[k] = g[k] * v[k] / ||v[k]||_2 (torch.nn.utils.weight_norm, dim 0)
//
// Names are DINO's: mlp.0, mlp.2, mlp.4, last_layer.weight_g [K, 1],
// last_layer.weight_v [K, bottleneck]. As in DINO, g is filled with 1 and is a
// parameter that does not require grad (the norm of the last layer stays 1);
// optimisers must skip parameters with requires_grad false. Weights load
// with load_module_state (adaptation_block.h).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include "core/config/adaptation_config.h"

namespace dap {

// Fills `tensor` in place from N(0, std^2) truncated to [a, b] (absolute
// bounds, as timm's / DINO's trunc_normal_ with mean 0). Draws from the global
// generator, so torch::manual_seed makes it reproducible.
void trunc_normal_(torch::Tensor& tensor, double std, double a = -2.0, double b = 2.0);

// Weight-normalised Linear without bias; g [out, 1], v [out, in].
class WeightNormLinearImpl : public torch::nn::Module {
 public:
  WeightNormLinearImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight() const;  // g * v / ||v|| per output row

 private:
  torch::Tensor weight_g, weight_v;
};
TORCH_MODULE(WeightNormLinear);

class DinoHeadImpl : public torch::nn::Module {
 public:
  DinoHeadImpl(int64_t in_dim, const DinoHeadConfig& config = {});

  // x [B, in_dim] -> prototype scores [B, K] (before the temperature softmax).
  torch::Tensor forward(const torch::Tensor& x);

  // The last layer, to freeze it during the first epoch as DINO does.
  WeightNormLinear& last() { return last_layer; }

 private:
  torch::nn::Sequential mlp{nullptr};
  WeightNormLinear last_layer{nullptr};
};
TORCH_MODULE(DinoHead);

}  // namespace dap
