// Averages gradients over ranks through one SumAllReduce (MPI on the CPU,
// NCCL on CUDA): gradients are packed into flat buckets of at most
// `bucket_elements` floats, summed, divided by the rank count and unpacked.
// A parameter without a gradient contributes zeros, so every rank sends the
// same layout.
//
// With overlap, the buckets are filled in the reverse order of the parameters
// (the order the backward pass computes their gradients, last layers first), and
// a bucket's sum starts from a gradient hook as soon as all its gradients are
// in and every earlier bucket has started, while the backward pass goes on;
// average() then starts the rest, waits for all and writes the averages. The
// buckets are started in the same order on every rank. The results equal those
// without overlap. Backward must run once per average() on gradients zeroed (or
// undefined) before it. One rank needs no overlap (it is turned off).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "core/dist/sum_allreduce.h"

namespace dap {

class GradientAverager {
 public:
  GradientAverager(std::vector<torch::Tensor> parameters, SumAllReduce& reducer, int world, bool overlap = false,
                   int64_t bucket_elements = int64_t{1} << 24);
  ~GradientAverager();  // removes the gradient hooks
  GradientAverager(const GradientAverager&) = delete;
  GradientAverager& operator=(const GradientAverager&) = delete;

  void average();

 private:
  struct Bucket {
    std::vector<size_t> members;   // parameter indices
    std::vector<int64_t> offsets;  // of each member in the flat buffer
    int64_t elements = 0;
    torch::Tensor flat;            // overlap: kept between steps (NCCL reads it after the hook returns)
    std::vector<uint8_t> filled;   // overlap: per member, its gradient is in `flat` this step
    size_t ready = 0;              // overlap: how many are
    bool started = false;
  };

  void reduce_bucket(Bucket& bucket);
  void on_gradient(size_t bucket, size_t member, const torch::Tensor& grad);
  void start_ready_buckets();
  void average_overlapped();

  std::vector<torch::Tensor> parameters_;
  SumAllReduce& reducer_;
  int world_;
  bool overlap_;
  std::vector<Bucket> buckets_;
  size_t next_start_ = 0;                     // overlap: the first bucket not started yet
  void* stream_ = nullptr;                    // overlap: the CUDA stream the hooks ran on
  std::vector<std::pair<size_t, unsigned>> hooks_;  // (parameter, hook handle)
};

// DINO's clip_gradients: each parameter's gradient scaled to norm <= max_norm.
void clip_gradients_per_parameter(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace dap
