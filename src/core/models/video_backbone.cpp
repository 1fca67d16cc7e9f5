#include "core/models/video_backbone.h"

#include <torch/serialize/input-archive.h>

#include "core/base/error.h"
#include "core/models/clip_weights.h"
#include "core/models/torch_checkpoint.h"

namespace dap {
namespace {

// layer_cls: [layers, B, T, width] -> one [B, T, width] per layer, then the embeddings when asked.
std::vector<torch::Tensor> clip_layer_features(const ClipVisualOutput& out, bool with_embedding) {
  std::vector<torch::Tensor> features = out.layer_cls.unbind(0);
  if (with_embedding) features.push_back(out.embedding);
  return features;
}

// A model.pt of dap-finetune holds the whole classifier under "model", its
// backbone under "model/backbone": true (and loaded) when `file` is one.
bool load_from_finetuned_model(VideoBackbone& backbone, const std::string& file) {
  torch::serialize::InputArchive archive, model, state;
  try {
    archive.load_from(file);
  } catch (const c10::Error&) {
    return false;  // not a libtorch archive (e.g. a torch.save state dict)
  }
  c10::IValue class_names;
  if (!archive.try_read("class_names", class_names) || !archive.try_read("model", model) ||
      !model.try_read("backbone", state)) {
    return false;
  }
  try {
    backbone->load(state);
  } catch (const c10::Error& e) {
    throw InputError("backbone weights '" + file + "' (a dap-finetune model.pt) do not fit pretrain.backbone: " +
                     e.what_without_backtrace());
  }
  return true;
}

}  // namespace

VideoBackboneImpl::VideoBackboneImpl(const config::BackboneConfig& config) {
  if (config.kind == "clip_vit") {
    clip = register_module("clip", ClipVisual(config.clip));
  } else if (config.kind == "timesformer") {
    TimeSformerConfig features_only = config.timesformer;
    features_only.num_classes = 0;  // the classifier of the weights is not used
    timesformer = register_module("timesformer", TimeSformer(features_only));
  } else {
    R2Plus1dConfig features_only = config.r2plus1d;
    features_only.num_classes = 0;  // the classifier of the weights is not used
    r2plus1d = register_module("r2plus1d", R2Plus1d(features_only));
  }
}

std::vector<torch::Tensor> VideoBackboneImpl::layer_features(const torch::Tensor& input, bool with_embedding) {
  if (!clip.is_empty()) return clip_layer_features(clip->forward(input, /*with_layer_cls=*/true), with_embedding);
  if (with_embedding) throw Error("projected frame embeddings need the CLIP ViT backbone");
  if (!timesformer.is_empty()) return timesformer->forward(input).layer_features;
  // R(2+1)D takes channels before time: [B, 3, T, H, W].
  return r2plus1d->forward(input.permute({0, 2, 1, 3, 4})).stage_features;
}

std::vector<torch::Tensor> VideoBackboneImpl::layer_features_with_probe(const torch::Tensor& input,
                                                                        torch::Tensor& probe, int64_t block,
                                                                        bool with_embedding) {
  if (clip.is_empty()) throw Error("Grad-CAM is implemented for the CLIP ViT backbone only");
  const int64_t layers = clip->config().layers;
  if (block < 0) block += layers;
  if (block < 0 || block >= layers) {
    throw Error("Grad-CAM block " + std::to_string(block) + " outside the backbone's " + std::to_string(layers) +
                " blocks");
  }
  ClipVisualOutput out = clip->forward(input, /*with_layer_cls=*/true, block);
  probe = out.probe;
  return clip_layer_features(out, with_embedding);
}

torch::Tensor VideoBackboneImpl::frame_embeddings(const torch::Tensor& input) {
  if (clip.is_empty()) throw Error("CLIP zero-shot scores need the CLIP ViT backbone");
  return clip->forward(input).embedding;
}

std::pair<torch::nn::LayerNorm, torch::Tensor> VideoBackboneImpl::clip_projection() {
  if (clip.is_empty()) throw Error("the CLIP projection needs the CLIP ViT backbone");
  auto children = clip->named_children();
  return {torch::nn::LayerNorm(std::dynamic_pointer_cast<torch::nn::LayerNormImpl>(children["ln_post"])),
          clip->named_parameters(/*recurse=*/false)["proj"]};
}

VideoBackbone build_video_backbone(const config::BackboneConfig& config) {
  VideoBackbone backbone(config);
  if (!config.weights.empty() && !load_from_finetuned_model(backbone, config.weights)) {
    auto children = backbone->named_children();
    if (config.kind == "clip_vit") {
      ClipVisual module(std::dynamic_pointer_cast<ClipVisualImpl>(children["clip"]));
      load_clip_visual(module, load_clip_weights(config.weights), config.weights);
    } else if (config.kind == "timesformer") {
      TimeSformer module(std::dynamic_pointer_cast<TimeSformerImpl>(children["timesformer"]));
      load_timesformer(module, load_torch_state_dict(config.weights), config.weights, /*include_head=*/false);
    } else {
      R2Plus1d module(std::dynamic_pointer_cast<R2Plus1dImpl>(children["r2plus1d"]));
      load_r2plus1d(module, load_torch_state_dict(config.weights), config.weights, /*include_fc=*/false);
    }
  }
  backbone->eval();
  return backbone;
}

}  // namespace dap
