// The fine-tuned network (METHOD.md 5): backbone -> adaptation block -> video
// feature f [B, D] -> class scores, either by a linear layer or, as in
// ActionCLIP, by cosine similarity between f's embedding (a projection of f,
// or f itself when the block reads CLIP's projected frame embeddings) and
// class-prompt embeddings of CLIP's text encoder, times logit_scale. The class
// embeddings are a buffer, so a saved model classifies without running the
// text encoder; with head.text.train_encoder the encoder is part of the model
// and training draws one template per class each step. In eval mode with
// head.text.ensemble = "probabilities" the scores are ActionCLIP's test-time
// ensemble instead: each template's softmax over the classes, averaged over
// the templates (returned as its logarithm, so a softmax of the scores gives it).
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
#include "core/models/clip_text.h"
#include "core/models/float32_layer_norm.h"
#include "core/models/video_backbone.h"

namespace dap {

class VideoClassifierImpl : public torch::nn::Module {
 public:
  // Registers `backbone` as "backbone", a fresh adapter as "adapter" and the head
  // (kind linear: "linear"; kind text: "text_ln" and "text_proj" unless the
  // adapter reads CLIP's embeddings, the buffers "class_embeddings" and
  // "template_embeddings", zero until set, and with train_encoder "text_encoder"
  // and the buffer "prompt_tokens").
  VideoClassifierImpl(const config::ExperimentConfig& config, VideoBackbone backbone, int64_t num_classes);

  // clip [B, T, 3, H, W] -> class scores [B, C].
  torch::Tensor forward(const torch::Tensor& clip);
  // The same from the backbone's layer features (what forward computes after the backbone).
  torch::Tensor scores(const std::vector<torch::Tensor>& layer_features);
  // Text head: the video's embedding in the text space, [B, embed_dim] (not normalised).
  torch::Tensor video_embedding(const torch::Tensor& clip);
  // Text head: cosine x logit_scale of `embedding` [B, E] against `classes` [C, E] (rows normalised).
  torch::Tensor match_text(const torch::Tensor& embedding, const torch::Tensor& classes) const;
  // The class embeddings a training step matches against: with a trained text
  // encoder, template templates[c] of class c through it (with gradients);
  // otherwise the stored class embeddings.
  torch::Tensor step_class_embeddings(const std::vector<int64_t>& templates);
  // The same, keeping the tokens entering the backbone's block `block`
  // (negative: from the end) as a graph leaf in `probe` (Grad-CAM; CLIP ViT only).
  torch::Tensor forward_with_probe(const torch::Tensor& clip, torch::Tensor& probe, int64_t block);
  // CLIP zero-shot scores: the mean over frames of CLIP's image embedding
  // against the class embeddings (text head, CLIP ViT only; no adapter).
  torch::Tensor zero_shot(const torch::Tensor& clip);

  bool has_text_head() const { return class_embeddings.defined(); }
  bool trains_text_encoder() const { return !text_encoder.is_empty(); }
  int64_t num_classes() const { return num_classes_; }
  int64_t num_templates() const { return num_templates_; }
  // Each template's text embedding of each class, [C, templates, embed_dim], rows
  // L2-normalised; the class embeddings become their normalised mean over templates.
  void set_template_embeddings(const torch::Tensor& embeddings);
  // With a trained text encoder: its BPE prompts [C, templates, context] and
  // the template and class embeddings recomputed from it.
  void set_prompt_tokens(const torch::Tensor& tokens);
  void refresh_class_embeddings();
  ClipText& text_encoder_module() { return text_encoder; }
  // Copies the CLIP backbone's ln_post and proj into text_ln / text_proj, so f
  // starts in CLIP's embedding space; false when the shapes do not allow it.
  bool init_projection_from_backbone();

  VideoBackbone& backbone() { return backbone_; }
  VideoAdapter& adapter() { return adapter_; }

 private:
  // The adaptation block's video feature f [B, D] of the backbone's layer features.
  torch::Tensor video_feature(const std::vector<torch::Tensor>& layer_features);
  // f in the text space: through text_ln and text_proj, or as it is when the
  // block reads CLIP's frame embeddings.
  torch::Tensor to_text_space(const torch::Tensor& feature);

  int64_t num_classes_;
  int64_t num_templates_;
  int64_t adapter_layers_;
  bool reads_embedding_;
  double logit_scale_;
  bool ensemble_probabilities_;
  VideoBackbone backbone_{nullptr};
  VideoAdapter adapter_{nullptr};
  torch::nn::Linear linear{nullptr};
  Float32LayerNorm text_ln{nullptr};
  torch::nn::Linear text_proj{nullptr};
  torch::Tensor class_embeddings;
  torch::Tensor template_embeddings;
  ClipText text_encoder{nullptr};
  torch::Tensor prompt_tokens;
};
TORCH_MODULE(VideoClassifier);

// A classifier ready to fine-tune or evaluate, and which of its parameters
// came from a checkpoint (they train at lr_pretrained).
struct BuiltClassifier {
  VideoClassifier model{nullptr};
  std::set<std::string> pretrained;  // parameter names
};
// ActionCLIP's test-time class scores (its test.py): `embedding` [B, E] (normalised
// here) against each template's class embeddings `templates` [C, K, E] times
// logit_scale, a softmax over the classes per template, the mean over templates;
// returned as its logarithm [B, C] (a softmax of it gives the mean back).
torch::Tensor template_ensemble_scores(const torch::Tensor& embedding, const torch::Tensor& templates,
                                       double logit_scale);

// Parameters of the trained text encoder have their own learning rate.
bool is_text_encoder_parameter(const std::string& name);

// Builds the backbone of pretrain.backbone (its weights when set), the
// classifier for `class_names` and, for the text head, the class embeddings
// (prompts from finetune.head.text through CLIP's text encoder, which with
// train_encoder becomes part of the model). `adapter_file`
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
