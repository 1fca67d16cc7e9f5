#include "pretrain/distillation_network.h"

#include <torch/torch.h>


namespace dap {

DistillationNetworkImpl::DistillationNetworkImpl(const config::PretrainConfig& config, const VideoBackbone& source)
    : adapter_layers_(config.adapter.num_layers) {
  if (config.backbone.train_encoder) {
    backbone = register_module("backbone", VideoBackbone(config.backbone));
    copy_module_state(*source, *backbone);
    backbone->eval();  // trained, but BatchNorm keeps its statistics (no dropout anywhere)
  }
  adapter = register_module("adapter", VideoAdapter(config.adapter));
  head = register_module("head", DinoHead(config.adapter.width, config.head));
}

torch::Tensor DistillationNetworkImpl::video_feature(const std::vector<torch::Tensor>& layer_features) {
  const std::vector<torch::Tensor> used(layer_features.end() - adapter_layers_, layer_features.end());
  return adapter->forward(used);
}

void copy_module_state(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto target_parameters = to.named_parameters();
  for (const auto& item : from.named_parameters()) target_parameters[item.key()].copy_(item.value());
  const auto target_buffers = to.named_buffers();
  for (const auto& item : from.named_buffers()) target_buffers[item.key()].copy_(item.value());
}

void ema_update(torch::nn::Module& teacher, torch::nn::Module& student, double momentum) {
  torch::NoGradGuard no_grad;
  const auto teacher_parameters = teacher.parameters();
  const auto student_parameters = student.parameters();
  for (size_t i = 0; i < teacher_parameters.size(); ++i) {
    teacher_parameters[i].mul_(momentum).add_(student_parameters[i].detach(), 1.0 - momentum);
  }
}

}  // namespace dap
