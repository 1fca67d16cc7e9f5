// The network trained by self-distillation (METHOD.md 4): the adaptation
// block (PAB or lock encoder) and the DINO head, plus the backbone itself in
// the "train encoder" ablation. Student and teacher are two instances with
// the same weights at the start; the teacher then follows the student's EMA.
#pragma once

#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "core/config/pretrain_config.h"
#include "core/models/adaptation_block.h"
#include "core/models/dino_head.h"
#include "core/models/video_backbone.h"

namespace dap {

class DistillationNetworkImpl : public torch::nn::Module {
 public:
  // With config.backbone.train_encoder the network owns a trainable copy of
  // `backbone` (registered as "backbone"); otherwise the backbone stays outside.
  DistillationNetworkImpl(const config::PretrainConfig& config, const VideoBackbone& backbone);

  // Layer features (all backbone layers, shallow to deep) -> the video
  // feature f [B, D] of the adapter, which reads the last adapter.num_layers layers
  // (the stage checks there are that many: check_pretrain_shapes).
  torch::Tensor video_feature(const std::vector<torch::Tensor>& layer_features);
  // f -> prototype scores [B, K].
  torch::Tensor head_scores(const torch::Tensor& feature) { return head->forward(feature); }

  bool owns_backbone() const { return !backbone.is_empty(); }
  VideoBackbone& own_backbone() { return backbone; }
  VideoAdapter& video_adapter() { return adapter; }
  // The head's last layer, frozen during the first epoch(s).
  std::vector<torch::Tensor> last_layer_parameters() { return head->last()->parameters(); }

 private:
  int64_t adapter_layers_;
  VideoBackbone backbone{nullptr};
  VideoAdapter adapter{nullptr};
  DinoHead head{nullptr};
};
TORCH_MODULE(DistillationNetwork);

// Copies every parameter and buffer of `from` into `to` (same architecture).
void copy_module_state(const torch::nn::Module& from, torch::nn::Module& to);

// teacher <- momentum * teacher + (1 - momentum) * student, over parameters.
void ema_update(torch::nn::Module& teacher, torch::nn::Module& student, double momentum);

}  // namespace dap
