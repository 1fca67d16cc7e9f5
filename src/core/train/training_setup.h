// The pieces every training stage sets up the same way (dap-pretrain and
// dap-finetune): the device of this rank, the gradient all-reduce that goes
// with it, AdamW with DINO's parameter groups, the loader's view settings and
// moving a loader batch to the device.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include "core/base/error.h"
#include "core/config/experiment_config.h"
#include "core/data/batch_loader.h"
#include "core/dist/mpi_context.h"
#include "core/dist/sum_allreduce.h"

namespace dap {

// A training loss that is NaN or infinite; the message names the step.
class NonFiniteLossError : public Error {
 public:
  using Error::Error;
};

// "cpu", "cuda" or "auto" (CUDA when available). On CUDA each rank takes the
// device (node-local rank) % (devices on the node).
torch::Device training_device(const std::string& choice, const MpiContext& mpi);

// NCCL for a CUDA device, MPI for the CPU.
std::unique_ptr<SumAllReduce> make_gradient_reducer(const torch::Device& device);

// The parameters that require a gradient, in registration order.
std::vector<torch::Tensor> trainable_parameters(torch::nn::Module& module);

// AdamW (optim's weight decay, betas and eps) over the trainable parameters in
// two groups as DINO: group 0 with weight decay, group 1 (biases and 1-D
// parameters) without.
std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& module, double lr,
                                                const config::TrainingOptimConfig& optim);
void set_learning_rate_and_decay(torch::optim::AdamW& optimizer, double lr, double weight_decay);
// The same with several learning-rate sets (fine-tuning: pretrained and new
// parameters): set_of(name) picks a parameter's set s < lrs.size(); set s
// becomes groups 2s (with weight decay) and 2s+1 (biases and 1-D parameters: none, or the same
// decay with decay_all_parameters, as ActionCLIP).
std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& module, const std::vector<double>& lrs,
                                                const config::TrainingOptimConfig& optim,
                                                const std::function<size_t(const std::string&)>& set_of);
void set_learning_rate_and_decay(torch::optim::AdamW& optimizer, const std::vector<double>& lrs, double weight_decay,
                                 bool decay_all_parameters = false);

// The loader's view settings for `views` ("all", "original" or "enhanced").
ViewSettings view_settings(const config::ViewsConfig& config, const std::string& views = "all");
// Fine-tuning's training augmentation (finetune.augment) for ViewSettings::augment.
AugmentSettings augment_settings(const config::AugmentConfig& config);

struct DeviceViews {
  torch::Tensor global;  // o, e, m stacked view-major: [3B, T, 3, size, size]
  torch::Tensor local;   // l: [B, T, 3, local_size, local_size]
};
// The batch's views as tensors on `device` (on the CPU they share the batch's memory where they can).
DeviceViews batch_views_to_device(const Batch& batch, const torch::Device& device);
// A single-view batch (fine-tuning) as [B, T, 3, size, size] on `device`.
torch::Tensor batch_clips_to_device(const Batch& batch, const torch::Device& device);

}  // namespace dap
