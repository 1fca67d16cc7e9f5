// Averages gradients over ranks through one SumAllReduce (MPI on the CPU,
// NCCL on CUDA): gradients are packed into flat buckets of at most
// `bucket_elements` floats, summed, divided by the rank count and unpacked.
// A parameter without a gradient contributes zeros, so every rank sends the
// same layout.
#pragma once

#include <vector>

#include <torch/types.h>

#include "core/dist/sum_allreduce.h"

namespace dap {

class GradientAverager {
 public:
  GradientAverager(std::vector<torch::Tensor> parameters, SumAllReduce& reducer, int world,
                   int64_t bucket_elements = int64_t{1} << 24);

  void average();

 private:
  void reduce_bucket(size_t first, size_t end);

  std::vector<torch::Tensor> parameters_;
  SumAllReduce& reducer_;
  int world_;
  int64_t bucket_elements_;
};

// DINO's clip_gradients: each parameter's gradient scaled to norm <= max_norm.
void clip_gradients_per_parameter(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace dap
