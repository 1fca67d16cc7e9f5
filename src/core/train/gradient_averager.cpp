#include "core/train/gradient_averager.h"

#include <torch/torch.h>

#include "dap/torch_build.h"
#if DAP_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace dap {
namespace {

// torch's current CUDA stream on the tensor's device; null on the CPU and in
// builds of libtorch without CUDA.
void* current_cuda_stream(const torch::Tensor& tensor) {
#if DAP_TORCH_CUDA
  if (tensor.is_cuda()) return c10::cuda::getCurrentCUDAStream(tensor.device().index()).stream();
#else
  (void)tensor;
#endif
  return nullptr;
}

}  // namespace

GradientAverager::GradientAverager(std::vector<torch::Tensor> parameters, SumAllReduce& reducer, int world,
                                   int64_t bucket_elements)
    : parameters_(std::move(parameters)), reducer_(reducer), world_(world), bucket_elements_(bucket_elements) {}

void GradientAverager::average() {
  size_t first = 0;
  int64_t elements = 0;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const int64_t n = parameters_[i].numel();
    if (i > first && elements + n > bucket_elements_) {
      reduce_bucket(first, i);
      first = i;
      elements = 0;
    }
    elements += n;
  }
  if (first < parameters_.size()) reduce_bucket(first, parameters_.size());
}

void GradientAverager::reduce_bucket(size_t first, size_t end) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat;
  for (size_t i = first; i < end; ++i) {
    torch::Tensor& p = parameters_[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    flat.push_back(p.grad().reshape({-1}).to(torch::kFloat));
  }
  torch::Tensor bucket = torch::cat(flat).contiguous();
  // Ordered on torch's stream: packing, the sum and unpacking need no synchronisation.
  reducer_.sum_on_stream(bucket.data_ptr<float>(), static_cast<size_t>(bucket.numel()), current_cuda_stream(bucket));
  bucket.div_(world_);
  int64_t offset = 0;
  for (size_t i = first; i < end; ++i) {
    torch::Tensor& grad = parameters_[i].mutable_grad();
    const int64_t n = grad.numel();
    grad.copy_(bucket.narrow(0, offset, n).view_as(grad));
    offset += n;
  }
}

void clip_gradients_per_parameter(const std::vector<torch::Tensor>& parameters, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    grads.push_back(p.grad());
    norms.push_back(p.grad().norm(2));
  }
  if (grads.empty()) return;
  // max_norm / (norm + 1e-6), capped at 1: multiplying by exactly 1 leaves a
  // gradient unchanged, and no value has to travel to the host.
  const torch::Tensor coefficients = (max_norm / (torch::stack(norms) + 1e-6)).clamp_max(1.0);
  for (size_t i = 0; i < grads.size(); ++i) grads[i].mul_(coefficients[static_cast<int64_t>(i)]);
}

}  // namespace dap
