// The fine-tuned network (METHOD.md 5): backbone -> adaptation block -> video
// feature f [B, D] -> class scores, either by a linear layer or, as in
// ActionCLIP, by cosine similarity between a projection of f and class-prompt
// embeddings of CLIP's text encoder, times logit_scale. The class embeddings
// are a buffer, so a saved model classifies without the text encoder.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/serialize/output-archive.h>

#include "core/config/experiment_config.h"
#include "core/models/adaptation_block.h"
#include "core/models/video_backbone.h"

namespace dap {

class VideoClassifierImpl : public torch::nn::Module {
 public:
  // Registers `backbone` as "backbone", a fresh adapter as "adapter" and the head
  // (kind linear: "linear"; kind text: "text_ln", "text_proj" and the buffer
  // "class_embeddings", zero until set_class_embeddings).
  VideoClassifierImpl(const config::ExperimentConfig& config, VideoBackbone backbone, int64_t num_classes);

  // clip [B, T, 3, H, W] -> class scores [B, C].
  torch::Tensor forward(const torch::Tensor& clip);
  // The same, keeping the tokens entering the backbone's block `block`
  // (negative: from the end) as a graph leaf in `probe` (Grad-CAM; CLIP ViT only).
  torch::Tensor forward_with_probe(const torch::Tensor& clip, torch::Tensor& probe, int64_t block);
  // CLIP zero-shot scores: the mean over frames of CLIP's image embedding
  // against the class embeddings (text head, CLIP ViT only; no adapter).
  torch::Tensor zero_shot(const torch::Tensor& clip);

  bool has_text_head() const { return !text_proj.is_empty(); }
  int64_t num_classes() const { return num_classes_; }
  // [C, embed_dim], rows L2-normalised.
  void set_class_embeddings(const torch::Tensor& embeddings);
  // Copies the CLIP backbone's ln_post and proj into text_ln / text_proj, so f
  // starts in CLIP's embedding space; false when the shapes do not allow it.
  bool init_projection_from_backbone();

  VideoBackbone& backbone() { return backbone_; }
  VideoAdapter& adapter() { return adapter_; }

 private:
  torch::Tensor scores(const std::vector<torch::Tensor>& layer_features);
  torch::Tensor match_text(const torch::Tensor& embedding);  // cosine x logit_scale

  int64_t num_classes_;
  int64_t adapter_layers_;
  double logit_scale_;
  VideoBackbone backbone_{nullptr};
  VideoAdapter adapter_{nullptr};
  torch::nn::Linear linear{nullptr};
  torch::nn::LayerNorm text_ln{nullptr};
  torch::nn::Linear text_proj{nullptr};
  torch::Tensor class_embeddings;
};
TORCH_MODULE(VideoClassifier);

// A classifier ready to fine-tune or evaluate, and which of its parameters
// came from a checkpoint (they train at lr_pretrained).
struct BuiltClassifier {
  VideoClassifier model{nullptr};
  std::set<std::string> pretrained;  // parameter names
};

// Builds the backbone of pretrain.backbone (its weights when set), the
// classifier for `class_names` and, for the text head, the class embeddings
// (prompts from finetune.head.text through CLIP's text encoder). `adapter_file`
// ("" for none) is an adapter.pt of dap-pretrain (a backbone stored there, the
// train-encoder ablation, replaces the loaded one) or a model.pt of dap-finetune.
// Initialisation follows the seed. Errors name the file or the config key.
BuiltClassifier build_video_classifier(const config::ExperimentConfig& config,
                                       const std::vector<std::string>& class_names, const std::string& adapter_file,
                                       int64_t seed);

// model.pt of dap-finetune: the classifier's state under "model" and the class
// names under "class_names" (plus the run's config, written by the caller).
void write_trained_classifier(torch::serialize::OutputArchive& archive, VideoClassifier& model,
                              const std::vector<std::string>& class_names);
struct TrainedClassifier {
  VideoClassifier model{nullptr};
  std::vector<std::string> class_names;
};
// Builds the architecture of `config` and loads model.pt into it, in eval mode.
// InputError naming the file when it is missing or does not fit the config.
TrainedClassifier read_trained_classifier(const config::ExperimentConfig& config, const std::string& file);

// The class prompts of `class_name` (underscores read as spaces) under `templates` ("{}" = the name).
std::vector<std::string> class_prompts(const std::string& class_name, const std::vector<std::string>& templates);

}  // namespace dap
