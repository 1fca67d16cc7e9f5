#include "core/train/training_setup.h"

#include <cmath>
#include <cstdlib>

#include <torch/torch.h>

#include "core/base/log.h"
#include "core/base/strings.h"


namespace dap {
namespace {

struct LocalRank {
  int rank;
  const char* source;
};

// The rank on this node, as the launcher tells it: mpirun first, since under mpirun inside
// a Slurm job every rank inherits the batch step's SLURM_LOCALID; then srun.
LocalRank node_local_rank(const MpiContext& mpi) {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"}) {
    if (const char* value = std::getenv(name)) return {std::atoi(value), name};
  }
  return {mpi.rank(), "the world rank"};
}

torch::Tensor view_tensor(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  // from_blob does not copy; the batch outlives the step that uses the tensor.
  return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat);
}

torch::optim::AdamWOptions adamw_options(double lr, const config::TrainingOptimConfig& optim) {
  return torch::optim::AdamWOptions(lr).betas({optim.betas.at(0), optim.betas.at(1)}).eps(optim.eps);
}

// Concatenated along dim 0 and moved to `device`. On the CPU a single part is returned
// as it is (sharing the batch's memory). On a CUDA device the parts are gathered into
// page-locked host memory and copied without blocking the host: the copy is ordered
// on torch's current stream, and torch's pinned allocator keeps the staging buffer
// until the copy has run.
torch::Tensor concatenated_on_device(const std::vector<torch::Tensor>& parts, const torch::Device& device) {
  if (!device.is_cuda()) return (parts.size() == 1 ? parts.front() : torch::cat(parts)).to(device);
  std::vector<int64_t> shape = parts.front().sizes().vec();
  shape[0] = 0;
  for (const torch::Tensor& part : parts) shape[0] += part.size(0);
  torch::Tensor staged = torch::empty(shape, parts.front().options().pinned_memory(true));
  torch::cat_out(staged, parts);
  return staged.to(device, /*non_blocking=*/true);
}

}  // namespace

torch::Device training_device(const std::string& choice, const MpiContext& mpi) {
  const bool cuda = torch::cuda::is_available();
  if (choice == "cuda" && !cuda) {
    throw InputError("pretrain device = \"cuda\" but no CUDA device is available to this libtorch build");
  }
  const LocalRank local = node_local_rank(mpi);
  if (choice == "cpu" || !cuda) {
    spdlog::info("node-local rank {} (from {}): cpu", local.rank, local.source);
    return torch::Device(torch::kCPU);
  }
  // With --gpus-per-task Slurm shows each rank its own GPU only (index 0); with the node's
  // GPUs all visible, local rank i takes GPU i.
  const auto devices = static_cast<int>(torch::cuda::device_count());
  const torch::Device device(torch::kCUDA, static_cast<c10::DeviceIndex>(local.rank % devices));
  spdlog::info("node-local rank {} (from {}): {} of {} visible GPU(s)", local.rank, local.source, device.str(), devices);
  return device;
}

std::unique_ptr<SumAllReduce> make_gradient_reducer(const torch::Device& device) {
  if (device.is_cuda()) return make_nccl_sum_allreduce(device.index());
  return make_mpi_sum_allreduce();
}

std::vector<torch::Tensor> trainable_parameters(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.parameters()) {
    if (p.requires_grad()) out.push_back(p);
  }
  return out;
}

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& module, const std::vector<double>& lrs,
                                                const config::TrainingOptimConfig& optim,
                                                const std::function<size_t(const std::string&)>& set_of) {
  std::vector<std::vector<torch::Tensor>> members(2 * lrs.size());
  for (const auto& item : module.named_parameters()) {
    if (!item.value().requires_grad()) continue;
    const size_t set = set_of ? set_of(item.key()) : 0;
    const bool no_decay = ends_with(item.key(), ".bias") || item.value().dim() == 1;
    members.at(2 * set + (no_decay ? 1 : 0)).push_back(item.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (size_t g = 0; g < members.size(); ++g) {
    const double decay = g % 2 == 0 ? optim.weight_decay : 0.0;
    groups.emplace_back(members[g], std::make_unique<torch::optim::AdamWOptions>(adamw_options(lrs[g / 2], optim)
                                                                                     .weight_decay(decay)));
  }
  return std::make_unique<torch::optim::AdamW>(std::move(groups), adamw_options(lrs.at(0), optim));
}

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& module, double lr,
                                                const config::TrainingOptimConfig& optim) {
  return make_adamw(module, std::vector<double>{lr}, optim, {});
}

void set_learning_rate_and_decay(torch::optim::AdamW& optimizer, const std::vector<double>& lrs, double weight_decay,
                                 bool decay_all_parameters) {
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& options = static_cast<torch::optim::AdamWOptions&>(groups[g].options());
    options.lr(lrs.at(g / 2));
    options.weight_decay(g % 2 == 0 || decay_all_parameters ? weight_decay : 0.0);
  }
}

void set_learning_rate_and_decay(torch::optim::AdamW& optimizer, double lr, double weight_decay) {
  set_learning_rate_and_decay(optimizer, std::vector<double>{lr}, weight_decay);
}

AugmentSettings augment_settings(const config::AugmentConfig& c) {
  AugmentSettings s;
  s.kind = c.kind;
  s.scales = c.scales;
  s.max_distort = c.max_distort;
  s.flip = c.flip;
  s.color_jitter = c.color_jitter;
  s.brightness = c.brightness;
  s.contrast = c.contrast;
  s.saturation = c.saturation;
  s.hue = c.hue;
  s.grayscale = c.grayscale;
  return s;
}

ViewSettings view_settings(const config::ViewsConfig& c, const std::string& views) {
  ViewSettings s;
  s.num_frames = c.num_frames;
  s.size = c.size;
  s.local_size = c.local_size;
  s.local_scale_min = c.local_scale_min;
  s.local_scale_max = c.local_scale_max;
  s.patch_size = c.patch_size;
  s.mask_per_frame = c.mask_per_frame;
  s.jitter = c.jitter;
  s.views = views;
  for (int i = 0; i < 3; ++i) {
    s.mean[i] = static_cast<float>(c.mean[i]);
    s.std[i] = static_cast<float>(c.std[i]);
  }
  return s;
}

torch::Tensor batch_clips_to_device(const Batch& b, const torch::Device& device) {
  return concatenated_on_device({view_tensor(b.original, {b.batch_size, b.num_frames, 3, b.size, b.size})}, device);
}

DeviceViews batch_views_to_device(const Batch& b, const torch::Device& device) {
  const std::vector<int64_t> global_shape = {b.batch_size, b.num_frames, 3, b.size, b.size};
  const std::vector<int64_t> local_shape = {b.batch_size, b.num_frames, 3, b.local_size, b.local_size};
  DeviceViews views;
  views.global = concatenated_on_device({view_tensor(b.original, global_shape), view_tensor(b.enhanced, global_shape),
                                         view_tensor(b.mixed, global_shape)},
                                        device);
  views.local = concatenated_on_device({view_tensor(b.local, local_shape)}, device);
  return views;
}

}  // namespace dap
