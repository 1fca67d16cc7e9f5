#include "core/models/float32_layer_norm.h"

namespace dap {

torch::Tensor Float32LayerNormImpl::forward(const torch::Tensor& input) {
  if (input.scalar_type() == torch::kFloat) return LayerNormImpl::forward(input);
  return LayerNormImpl::forward(input.to(torch::kFloat)).to(input.scalar_type());
}

}  // namespace dap
