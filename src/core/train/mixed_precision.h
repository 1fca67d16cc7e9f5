// bfloat16 autocast for the forward passes of training (`<section>.precision`):
// inside a MixedPrecision scope, torch runs matrix products and convolutions in
// bfloat16 and keeps reductions, norms and softmax in float32; parameters,
// gradients and optimiser state stay float32. bfloat16 has float32's exponent
// range, so no loss scaling is needed.
#pragma once

#include <string>

#include <torch/types.h>

namespace dap {

// "auto": bf16 on CUDA devices, fp32 on the CPU (where bf16 products are fast only
// with AMX); "bf16" or "fp32" as chosen.
bool uses_bf16(const std::string& precision, const torch::Device& device);

// Turns autocast on for `device`'s kind (to bfloat16) for the scope's lifetime when
// `enabled`, and restores the previous state after it. Not copyable; one thread.
class MixedPrecision {
 public:
  MixedPrecision(const torch::Device& device, bool enabled);
  ~MixedPrecision();
  MixedPrecision(const MixedPrecision&) = delete;
  MixedPrecision& operator=(const MixedPrecision&) = delete;

 private:
  bool cuda_;
  bool enabled_;
  bool was_enabled_ = false;
  torch::ScalarType previous_dtype_ = torch::kFloat;
};

}  // namespace dap
