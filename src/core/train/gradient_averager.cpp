#include "core/train/gradient_averager.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/base/error.h"

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
                                   bool overlap, int64_t bucket_elements)
    : parameters_(std::move(parameters)), reducer_(reducer), world_(world), overlap_(overlap && world > 1) {
  // Overlap fills buckets in the order backward computes gradients: the reverse of the parameters'.
  std::vector<size_t> order(parameters_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = overlap_ ? order.size() - 1 - i : i;
  for (size_t i : order) {
    const int64_t n = parameters_[i].numel();
    if (buckets_.empty() || (!buckets_.back().members.empty() && buckets_.back().elements + n > bucket_elements)) {
      buckets_.emplace_back();
    }
    Bucket& bucket = buckets_.back();
    bucket.members.push_back(i);
    bucket.offsets.push_back(bucket.elements);
    bucket.elements += n;
  }
  if (!overlap_) return;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    buckets_[b].filled.assign(buckets_[b].members.size(), 0);
    for (size_t m = 0; m < buckets_[b].members.size(); ++m) {
      torch::Tensor& p = parameters_[buckets_[b].members[m]];
      if (!p.requires_grad()) continue;
      hooks_.emplace_back(buckets_[b].members[m], p.register_hook([this, b, m](const torch::Tensor& grad) {
                            on_gradient(b, m, grad);
                          }));
    }
  }
}

GradientAverager::~GradientAverager() {
  for (const auto& [parameter, handle] : hooks_) parameters_[parameter].remove_hook(handle);
}

void GradientAverager::average() {
  if (overlap_) return average_overlapped();
  for (Bucket& bucket : buckets_) reduce_bucket(bucket);
}

void GradientAverager::reduce_bucket(Bucket& bucket) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat;
  for (size_t i : bucket.members) {
    torch::Tensor& p = parameters_[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    flat.push_back(p.grad().reshape({-1}).to(torch::kFloat));
  }
  torch::Tensor packed = torch::cat(flat).contiguous();
  // Ordered on torch's stream: packing, the sum and unpacking need no synchronisation.
  reducer_.sum_on_stream(packed.data_ptr<float>(), static_cast<size_t>(packed.numel()), current_cuda_stream(packed));
  packed.div_(world_);
  for (size_t m = 0; m < bucket.members.size(); ++m) {
    torch::Tensor& grad = parameters_[bucket.members[m]].mutable_grad();
    grad.copy_(packed.narrow(0, bucket.offsets[m], grad.numel()).view_as(grad));
  }
}

// A gradient hook: called with the parameter's gradient of this backward pass
// before it is accumulated into .grad (on CUDA, on autograd's device thread).
void GradientAverager::on_gradient(size_t b, size_t m, const torch::Tensor& grad) {
  torch::NoGradGuard no_grad;
  Bucket& bucket = buckets_[b];
  if (bucket.filled[m]) {
    throw Error("overlapped gradient averaging: a gradient arrived twice before average() "
                "(one backward pass per step is supported; set overlap_allreduce = false)");
  }
  if (!bucket.flat.defined()) bucket.flat = torch::zeros({bucket.elements}, grad.options().dtype(torch::kFloat));
  bucket.flat.narrow(0, bucket.offsets[m], grad.numel()).copy_(grad.reshape({-1}));
  bucket.filled[m] = 1;
  ++bucket.ready;
  stream_ = current_cuda_stream(bucket.flat);
  start_ready_buckets();
  reducer_.progress();
}

void GradientAverager::start_ready_buckets() {
  while (next_start_ < buckets_.size() && buckets_[next_start_].ready == buckets_[next_start_].members.size()) {
    Bucket& bucket = buckets_[next_start_++];
    reducer_.start(bucket.flat.data_ptr<float>(), static_cast<size_t>(bucket.elements), stream_);
  }
}

void GradientAverager::average_overlapped() {
  torch::NoGradGuard no_grad;
  // Parameters without a gradient this step send zeros, so every rank starts every bucket.
  for (size_t b = next_start_; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    if (!bucket.flat.defined()) {
      bucket.flat = torch::zeros({bucket.elements}, parameters_[bucket.members[0]].options().dtype(torch::kFloat));
    }
    for (size_t m = 0; m < bucket.members.size(); ++m) {
      if (!bucket.filled[m]) bucket.flat.narrow(0, bucket.offsets[m], parameters_[bucket.members[m]].numel()).zero_();
    }
    bucket.ready = bucket.members.size();
  }
  void* stream = buckets_.empty() ? nullptr : current_cuda_stream(buckets_.front().flat);
  if (next_start_ < buckets_.size()) stream_ = stream;
  start_ready_buckets();
  reducer_.finish(stream);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    bucket.flat.div_(world_);
    for (size_t m = 0; m < bucket.members.size(); ++m) {
      torch::Tensor& p = parameters_[bucket.members[m]];
      const torch::Tensor average = bucket.flat.narrow(0, bucket.offsets[m], p.numel()).view_as(p);
      if (p.grad().defined()) {
        p.mutable_grad().copy_(average);
      } else {
        p.mutable_grad() = average.to(p.dtype(), /*non_blocking=*/false, /*copy=*/true);
      }
    }
    bucket.ready = 0;
    std::fill(bucket.filled.begin(), bucket.filled.end(), 0);
  }
  next_start_ = 0;
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
