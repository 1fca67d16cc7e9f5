#include "core/models/video_classifier.h"

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/base/error.h"
#include "core/models/adapter_file.h"
#include "core/models/archive_entries.h"
#include "core/models/clip_text.h"
#include "core/models/clip_weights.h"
#include "core/text/clip_tokenizer.h"

namespace dap {

VideoClassifierImpl::VideoClassifierImpl(const config::ExperimentConfig& config, VideoBackbone backbone,
                                         int64_t num_classes)
    : num_classes_(num_classes),
      num_templates_(static_cast<int64_t>(config.finetune.head.text.templates.size())),
      adapter_layers_(config.pretrain.adapter.num_layers),
      reads_embedding_(config.pretrain.adapter.reads_embedding()),
      logit_scale_(config.finetune.head.text.logit_scale),
      ensemble_probabilities_(config.finetune.head.text.ensemble == "probabilities") {
  const int64_t width = config.pretrain.adapter.width;
  backbone_ = register_module("backbone", std::move(backbone));
  adapter_ = register_module("adapter", VideoAdapter(config.pretrain.adapter));
  const auto& text = config.finetune.head.text;
  if (config.finetune.head.kind == "linear") {
    linear = register_module("linear", torch::nn::Linear(width, num_classes));
    return;
  }
  const int64_t embed = text.encoder.embed_dim;
  if (!reads_embedding_) {  // f is not in CLIP's embedding space yet
    text_ln = register_module("text_ln", Float32LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5)));
    text_proj = register_module("text_proj", torch::nn::Linear(torch::nn::LinearOptions(width, embed).bias(false)));
  } else if (width != embed) {
    throw ConfigError("finetune.head.text.encoder.embed_dim (" + std::to_string(embed) +
                      ") must equal pretrain.adapter.width (" + std::to_string(width) +
                      ") when the adapter reads CLIP's embeddings");
  }
  class_embeddings = register_buffer("class_embeddings", torch::zeros({num_classes, embed}));
  template_embeddings = register_buffer("template_embeddings", torch::zeros({num_classes, num_templates_, embed}));
  if (text.train_encoder) {
    text_encoder = register_module("text_encoder", ClipText(text.encoder));
    prompt_tokens = register_buffer(
        "prompt_tokens", torch::zeros({num_classes, num_templates_, text.encoder.context_length}, torch::kLong));
  }
}

torch::Tensor VideoClassifierImpl::video_feature(const std::vector<torch::Tensor>& layer_features) {
  const std::vector<torch::Tensor> used(layer_features.end() - adapter_layers_, layer_features.end());
  return adapter_->forward(used);
}

torch::Tensor VideoClassifierImpl::to_text_space(const torch::Tensor& feature) {
  return text_proj.is_empty() ? feature : text_proj->forward(text_ln->forward(feature));
}

torch::Tensor VideoClassifierImpl::scores(const std::vector<torch::Tensor>& layer_features) {
  const torch::Tensor feature = video_feature(layer_features);
  if (!linear.is_empty()) return linear->forward(feature);
  if (!is_training() && ensemble_probabilities_ && num_templates_ > 1) {
    return template_ensemble_scores(to_text_space(feature), template_embeddings, logit_scale_);
  }
  return match_text(to_text_space(feature), class_embeddings);
}

torch::Tensor template_ensemble_scores(const torch::Tensor& embedding, const torch::Tensor& templates,
                                       double logit_scale) {
  const torch::Tensor video = torch::nn::functional::normalize(
      embedding.to(torch::kFloat), torch::nn::functional::NormalizeFuncOptions().dim(-1));
  // [B, C, K]: every template of every class; the softmax runs over the classes of one template.
  const torch::Tensor per_template = logit_scale * torch::einsum("be,cke->bck", {video, templates.to(torch::kFloat)});
  return torch::logsumexp(torch::log_softmax(per_template, 1), 2) - std::log(static_cast<double>(templates.size(1)));
}

torch::Tensor VideoClassifierImpl::match_text(const torch::Tensor& embedding, const torch::Tensor& classes) const {
  const torch::Tensor video = torch::nn::functional::normalize(
      embedding, torch::nn::functional::NormalizeFuncOptions().dim(-1));
  return logit_scale_ * torch::matmul(video, classes.t());
}

torch::Tensor VideoClassifierImpl::forward(const torch::Tensor& clip) {
  return scores(backbone_->layer_features(clip, reads_embedding_));
}

torch::Tensor VideoClassifierImpl::video_embedding(const torch::Tensor& clip) {
  if (!has_text_head()) throw Error("the video embedding needs finetune.head.kind = \"text\"");
  return to_text_space(video_feature(backbone_->layer_features(clip, reads_embedding_)));
}

torch::Tensor VideoClassifierImpl::forward_with_probe(const torch::Tensor& clip, torch::Tensor& probe,
                                                      int64_t block) {
  return scores(backbone_->layer_features_with_probe(clip, probe, block, reads_embedding_));
}

torch::Tensor VideoClassifierImpl::step_class_embeddings(const std::vector<int64_t>& templates) {
  if (text_encoder.is_empty()) return class_embeddings;
  const torch::Tensor chosen = torch::tensor(templates, torch::kLong).to(prompt_tokens.device());
  const torch::Tensor tokens = prompt_tokens.gather(1, chosen.view({num_classes_, 1, 1}).expand(
                                                           {num_classes_, 1, prompt_tokens.size(2)}))
                                   .squeeze(1);
  return torch::nn::functional::normalize(text_encoder->forward(tokens),
                                          torch::nn::functional::NormalizeFuncOptions().dim(-1));
}

torch::Tensor VideoClassifierImpl::zero_shot(const torch::Tensor& clip) {
  if (!has_text_head()) throw Error("CLIP zero-shot scores need finetune.head.kind = \"text\"");
  const torch::Tensor frames = torch::nn::functional::normalize(
      backbone_->frame_embeddings(clip), torch::nn::functional::NormalizeFuncOptions().dim(-1));
  return match_text(frames.mean(1), class_embeddings);
}

void VideoClassifierImpl::set_template_embeddings(const torch::Tensor& embeddings) {
  torch::NoGradGuard no_grad;
  template_embeddings.copy_(embeddings);
  class_embeddings.copy_(torch::nn::functional::normalize(embeddings.mean(1),
                                                          torch::nn::functional::NormalizeFuncOptions().dim(-1)));
}

void VideoClassifierImpl::set_prompt_tokens(const torch::Tensor& tokens) {
  torch::NoGradGuard no_grad;
  prompt_tokens.copy_(tokens);
}

namespace {

// Each class's normalised text feature under each template: tokens [C, K, L] -> [C, K, embed_dim].
torch::Tensor template_text_embeddings(ClipText& encoder, const torch::Tensor& tokens) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> rows;
  for (int64_t c = 0; c < tokens.size(0); ++c) {
    rows.push_back(torch::nn::functional::normalize(encoder->forward(tokens[c]),
                                                    torch::nn::functional::NormalizeFuncOptions().dim(-1)));
  }
  return torch::stack(rows);
}

// The BPE prompts of every class under every template: [C, K, context_length].
torch::Tensor prompt_token_tensor(const config::TextHeadConfig& text, const std::vector<std::string>& names) {
  const ClipTokenizer tokenizer(text.vocab);
  std::vector<int64_t> ids;
  for (const auto& name : names) {
    for (const auto& prompt : class_prompts(name, text.templates)) {
      for (int32_t id : tokenizer.tokenize(prompt, static_cast<int>(text.encoder.context_length))) ids.push_back(id);
    }
  }
  return torch::tensor(ids, torch::kLong)
      .view({static_cast<int64_t>(names.size()), static_cast<int64_t>(text.templates.size()),
             text.encoder.context_length});
}

// Loads CLIP's text encoder weights (head.text.weights, else the backbone's file) into `encoder`.
void load_text_encoder(ClipText& encoder, const config::ExperimentConfig& config) {
  const auto& text = config.finetune.head.text;
  const std::string weights = text.weights.empty() ? config.pretrain.backbone.weights : text.weights;
  if (!weights.empty()) load_clip_text(encoder, load_clip_weights(weights), weights);
}

void load_adapter_file(VideoClassifier& model, const std::string& file, std::set<std::string>& pretrained) {
  torch::serialize::InputArchive archive = load_adapter_weights(model->adapter(), file, "finetune.init_adapter");
  torch::serialize::InputArchive backbone;
  if (archive.try_read("backbone", backbone)) model->backbone()->load(backbone);
  for (const auto& item : model->named_parameters()) {
    if (item.key().rfind("adapter.", 0) == 0) pretrained.insert(item.key());
  }
}

}  // namespace

void VideoClassifierImpl::refresh_class_embeddings() {
  if (text_encoder.is_empty()) return;
  const bool training = text_encoder->is_training();
  text_encoder->eval();
  set_template_embeddings(template_text_embeddings(text_encoder, prompt_tokens));
  text_encoder->train(training);
}

bool is_text_encoder_parameter(const std::string& name) { return name.rfind("text_encoder.", 0) == 0; }

bool VideoClassifierImpl::init_projection_from_backbone() {
  if (text_proj.is_empty() || !backbone_->is_clip()) return false;
  auto [ln_post, proj] = backbone_->clip_projection();
  if (ln_post->weight.sizes() != text_ln->weight.sizes() || proj.t().sizes() != text_proj->weight.sizes()) {
    return false;
  }
  torch::NoGradGuard no_grad;
  text_ln->weight.copy_(ln_post->weight);
  text_ln->bias.copy_(ln_post->bias);
  text_proj->weight.copy_(proj.t());
  return true;
}

std::vector<std::string> class_prompts(const std::string& class_name, const std::vector<std::string>& templates) {
  std::string name = class_name;
  for (char& c : name) {
    if (c == '_') c = ' ';
  }
  std::vector<std::string> prompts;
  for (const auto& pattern : templates) {
    std::string prompt = pattern;
    const size_t at = prompt.find("{}");
    if (at != std::string::npos) prompt.replace(at, 2, name);
    prompts.push_back(prompt);
  }
  return prompts;
}

BuiltClassifier build_video_classifier(const config::ExperimentConfig& config,
                                       const std::vector<std::string>& class_names, const std::string& adapter_file,
                                       int64_t seed) {
  torch::manual_seed(static_cast<uint64_t>(seed));
  BuiltClassifier built;
  built.model = VideoClassifier(config, build_video_backbone(config.pretrain.backbone),
                                static_cast<int64_t>(class_names.size()));
  auto& model = built.model;
  for (const auto& item : model->named_parameters()) {
    if (item.key().rfind("backbone.", 0) == 0) built.pretrained.insert(item.key());
  }
  if (!adapter_file.empty()) load_adapter_file(model, adapter_file, built.pretrained);
  if (model->has_text_head()) {
    const torch::Tensor tokens = prompt_token_tensor(config.finetune.head.text, class_names);
    if (model->trains_text_encoder()) {
      load_text_encoder(model->text_encoder_module(), config);
      model->set_prompt_tokens(tokens);
      model->refresh_class_embeddings();
      for (const auto& item : model->named_parameters()) {
        if (is_text_encoder_parameter(item.key())) built.pretrained.insert(item.key());
      }
    } else {
      ClipText encoder(config.finetune.head.text.encoder);
      load_text_encoder(encoder, config);
      encoder->eval();
      model->set_template_embeddings(template_text_embeddings(encoder, tokens));
    }
    if (model->init_projection_from_backbone() && !config.pretrain.backbone.weights.empty()) {
      for (const auto& item : model->named_parameters()) {
        if (item.key().rfind("text_", 0) == 0) built.pretrained.insert(item.key());
      }
    }
  }
  return built;
}

void write_trained_classifier(torch::serialize::OutputArchive& archive, VideoClassifier& model,
                              const std::vector<std::string>& class_names) {
  torch::serialize::OutputArchive state;
  model->save(state);
  archive.write("model", state);
  write_text(archive, "class_names", nlohmann::json(class_names).dump());
}

TrainedClassifier read_trained_classifier(const config::ExperimentConfig& config, const std::string& file) {
  if (!std::filesystem::is_regular_file(file)) {
    throw InputError("model file '" + file + "' does not exist (has dap-finetune finished for this split and seed?)");
  }
  TrainedClassifier trained;
  torch::serialize::InputArchive archive, state;
  archive.load_from(file);
  trained.class_names = nlohmann::json::parse(read_text(archive, "class_names")).get<std::vector<std::string>>();
  config::BackboneConfig random_backbone = config.pretrain.backbone;
  random_backbone.weights.clear();  // model.pt holds the backbone
  trained.model = VideoClassifier(config, build_video_backbone(random_backbone),
                                  static_cast<int64_t>(trained.class_names.size()));
  archive.read("model", state);
  try {
    trained.model->load(state);
  } catch (const c10::Error& e) {
    throw InputError("model file '" + file + "' does not fit the config's backbone, adapter and head: " +
                     e.what_without_backtrace());
  }
  trained.model->eval();
  return trained;
}

}  // namespace dap
