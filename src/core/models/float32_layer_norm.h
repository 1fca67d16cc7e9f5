// LayerNorm computed in float32 whatever its input's type, the output in the
// input's type (OpenAI's CLIP does the same for its fp16 towers). Under bf16
// autocast the statistics stay float32, and libtorch 1.13's CPU layer_norm, which
// refuses a bf16 input with float32 parameters, is given float32. Parameters and
// names are LayerNorm's ("weight", "bias"), so checkpoints load unchanged.
#pragma once

#include <torch/nn/modules/normalization.h>

namespace dap {

class Float32LayerNormImpl : public torch::nn::LayerNormImpl {
 public:
  using LayerNormImpl::LayerNormImpl;
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(Float32LayerNorm);

}  // namespace dap
