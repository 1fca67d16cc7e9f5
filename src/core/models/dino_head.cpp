// DINO projection head.
#include "core/models/dino_head.h"

#include <cmath>

#include <torch/torch.h>

namespace dap {
namespace {

namespace nn = torch::nn;

// DINO's _init_weights: trunc_normal_(std=.02) on Linear weights, zero bias.
nn::Linear dino_linear(int64_t in, int64_t out) {
  nn::Linear layer(in, out);
  torch::NoGradGuard no_grad;
  trunc_normal_(layer->weight, 0.02);
  nn::init::zeros_(layer->bias);
  return layer;
}

double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

}  // namespace

void trunc_normal_(torch::Tensor& tensor, double std, double a, double b) {
  // Inverse-CDF sampling as in timm / DINO: uniform over the CDF range of
  // [a, b], mapped back through erfinv, clamped against rounding.
  torch::NoGradGuard no_grad;
  const double low = normal_cdf(a / std), high = normal_cdf(b / std);
  tensor.uniform_(2 * low - 1, 2 * high - 1);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.clamp_(a, b);
}

WeightNormLinearImpl::WeightNormLinearImpl(int64_t in, int64_t out) {
  // v starts as nn.Linear's default weights (DINO builds this layer after
  // its trunc-normal init pass); g = 1 and frozen (norm_last_layer).
  nn::Linear initial(nn::LinearOptions(in, out).bias(false));
  weight_v = register_parameter("weight_v", initial->weight.detach().clone());
  weight_g = register_parameter("weight_g", torch::ones({out, 1}), /*requires_grad=*/false);
}

torch::Tensor WeightNormLinearImpl::weight() const {
  return weight_v * (weight_g / weight_v.norm(2, {1}, /*keepdim=*/true));
}

torch::Tensor WeightNormLinearImpl::forward(const torch::Tensor& x) { return torch::linear(x, weight()); }

DinoHeadImpl::DinoHeadImpl(int64_t in_dim, const DinoHeadConfig& config) {
  mlp = register_module("mlp", nn::Sequential(dino_linear(in_dim, config.hidden_dim), nn::GELU(),
                                              dino_linear(config.hidden_dim, config.hidden_dim), nn::GELU(),
                                              dino_linear(config.hidden_dim, config.bottleneck_dim)));
  last_layer = register_module("last_layer", WeightNormLinear(config.bottleneck_dim, config.out_dim));
}

torch::Tensor DinoHeadImpl::forward(const torch::Tensor& x) {
  const torch::Tensor z = mlp->forward(x);
  return last_layer->forward(z / z.norm(2, {-1}, /*keepdim=*/true).clamp_min(1e-12));
}

}  // namespace dap
