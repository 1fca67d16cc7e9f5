// The `finetune` section of an experiment: supervised fine-tuning or
// adaptation on pseudo-labels (METHOD.md 5). The network is the pretrain
// section's backbone and adapter (so a dap-pretrain adapter fits) plus a
// classification head; frame sampling and sizes are the pretrain section's
// views. Defaults are the paper's ActionCLIP setting. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/clip_config.h"
#include "core/config/clip_set_config.h"
#include "core/config/config_binding.h"
#include "core/config/pretrain_config.h"
#include "core/config/training_config.h"

namespace dap::config {

// Where the training labels come from.
struct LabelsConfig {
  std::string source = "manifest";
  std::string predictions;
  std::string selection = "threshold";
  double threshold = 0.5;
  int64_t k_per_class = 10;
  double temperature = 1.0;

  template <class V>
  void visit(V& v) {
    v.choice("source", source, {"manifest", "pseudo"},
             "manifest: the labels stored in the shards; pseudo: a teacher's predictions.h5 (source-free / "
             "multi-source adaptation)");
    v.field("predictions", predictions, "predictions.h5 of the teacher model (source = pseudo)");
    v.choice("selection", selection, {"all", "threshold", "topk_per_class"},
             "which pseudo-labels are kept: all (no filtering), softmax confidence >= threshold, or the k most "
             "confident per class");
    v.field("threshold", threshold, "confidence threshold (selection = threshold)", Range{0, 1});
    v.field("k_per_class", k_per_class, "videos kept per class (selection = topk_per_class)", Range{1, 1e9});
    v.field("temperature", temperature, "softmax temperature applied to the teacher's scores", Range{1e-6, 1e6});
    v.require(source != "pseudo" || !predictions.empty(), "predictions",
              "must name the teacher's predictions.h5 when source = \"pseudo\"");
  }
};

struct TextHeadConfig {
  std::string weights;
  ClipTextConfig encoder;
  std::vector<std::string> templates = {
      "a photo of action {}",        "a picture of action {}",        "Human action of {}",
      "{}, an action",               "{} this is an action",          "{}, a video of action",
      "Playing action of {}",        "{}",                            "Playing a kind of action, {}",
      "Doing a kind of action, {}",  "Look, the human is {}",         "Can you recognize the action of {}?",
      "Video classification of {}",  "A video of {}",                 "The man is {}",
      "The woman is {}"};
  std::string vocab = "assets/clip/bpe_simple_vocab_16e6.txt.gz";
  double logit_scale = 100.0;
  bool train_encoder = false;
  std::string ensemble = "probabilities";

  template <class V>
  void visit(V& v) {
    v.field("weights", weights, "CLIP archive or state dict holding the text encoder (empty: pretrain.backbone.weights)");
    v.section("encoder", encoder, "CLIP text encoder sizes; a weight file must match them");
    v.field("templates", templates,
            "class prompts, \"{}\" replaced by the class name (ActionCLIP's 16)");
    v.field("vocab", vocab, "CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz)");
    v.field("logit_scale", logit_scale, "multiplier of the cosine similarities (CLIP: exp(4.6052) = 100)",
            Range{1e-3, 1e6});
    v.field("train_encoder", train_encoder,
            "fine-tune the text encoder too (at optim.lr_text; a random template per class each step, as "
            "ActionCLIP); false: class embeddings computed once and frozen");
    v.choice("ensemble", ensemble, {"probabilities", "embeddings"},
             "how the templates combine when a model is evaluated: probabilities: each template's softmax over "
             "the classes, averaged over templates (ActionCLIP's test); embeddings: one embedding per class, the "
             "mean of its templates' normalised text features (what training matches against)");
    v.require(!templates.empty(), "templates", "must list at least one template");
  }
};

struct ClassifierConfig {
  std::string kind = "text";
  TextHeadConfig text;

  template <class V>
  void visit(V& v) {
    v.choice("kind", kind, {"text", "linear"},
             "text: ActionCLIP-style video-text matching with CLIP's text encoder and class prompts; "
             "linear: a linear layer on the video feature");
    v.section("text", text, "the text head (kind = text)");
  }
};

struct FinetuneOptimConfig : TrainingOptimConfig {
  double lr_pretrained = 5e-6;
  double lr_new = 5e-5;
  double lr_text = 5e-6;
  double min_lr_fraction = 0.0;
  double label_smoothing = 0.0;
  bool decay_all_parameters = false;

  FinetuneOptimConfig()
      : TrainingOptimConfig(/*global_batch=*/32, /*epochs=*/50, /*warmup_epochs=*/5, /*weight_decay=*/0.2,
                            /*clip_grad=*/0.0, /*beta2=*/0.98) {}  // ActionCLIP's AdamW

  template <class V>
  void visit(V& v) {
    visit_common(v);
    v.field("lr_pretrained", lr_pretrained,
            "learning rate of parameters that come from a checkpoint (backbone, pretrained adapter)", Range{0, 10});
    v.field("lr_new", lr_new, "learning rate of new modules (head, fresh adapter)", Range{0, 10});
    v.field("lr_text", lr_text, "learning rate of the text encoder (head.text.train_encoder = true)", Range{0, 10});
    v.field("min_lr_fraction", min_lr_fraction, "learning rates end at this fraction of their peak (cosine)",
            Range{0, 1});
    v.field("label_smoothing", label_smoothing, "label smoothing of the cross-entropy", Range{0, 1});
    v.field("decay_all_parameters", decay_all_parameters,
            "weight decay on every parameter, biases and 1-D ones too (ActionCLIP); false: none on those (DINO)");
  }
};

// ActionCLIP's training augmentation of the fine-tuning clips (METHOD.md 5), one
// draw per clip for all its frames; the evaluation views are never augmented.
struct AugmentConfig {
  std::string kind = "none";
  std::vector<double> scales = {1.0, 0.875, 0.75, 0.66};
  int max_distort = 1;
  double flip = 0.5;
  double color_jitter = 0.8;
  double brightness = 0.4;
  double contrast = 0.4;
  double saturation = 0.2;
  double hue = 0.1;
  double grayscale = 0.2;

  template <class V>
  void visit(V& v) {
    v.choice("kind", kind, {"none", "actionclip"},
             "none: the evaluation's view (resize, centre crop); actionclip: ActionCLIP's training transform "
             "(multi-scale crop, flip, colour jitter, grayscale), drawn once per clip");
    v.field("scales", scales,
            "crop sides as fractions of the frame's shorter side (ActionCLIP's GroupMultiScaleCrop; a side within "
            "3 px of views.size becomes views.size)",
            Range{1e-3, 1});
    v.field("max_distort", max_distort, "crop width and height come from scales at most this many places apart",
            Range{0, 100});
    v.field("flip", flip, "probability of a horizontal flip", Range{0, 1});
    v.field("color_jitter", color_jitter,
            "probability of colour jitter (brightness, contrast, saturation and hue in a random order)", Range{0, 1});
    v.field("brightness", brightness, "brightness factor from U[max(0, 1-x), 1+x]", Range{0, 10});
    v.field("contrast", contrast, "contrast factor from U[max(0, 1-x), 1+x]", Range{0, 10});
    v.field("saturation", saturation, "saturation factor from U[max(0, 1-x), 1+x]", Range{0, 10});
    v.field("hue", hue, "hue shift from U[-x, x] (a fraction of the colour circle)", Range{0, 0.5});
    v.field("grayscale", grayscale, "probability of grayscale (luma 0.299 R + 0.587 G + 0.114 B)", Range{0, 1});
    v.require(!scales.empty(), "scales", "must list at least one scale");
  }
};

struct FinetuneConfig : TrainingRunSettings {
  ClipSetConfig data;
  LabelsConfig labels;
  std::string init_adapter = "pretrain";
  bool train_backbone = true;
  std::string input = "original";
  AugmentConfig augment;
  ClassifierConfig head;
  std::string loss = "cross_entropy";
  FinetuneOptimConfig optim;
  int64_t seed = 0;

  template <class V>
  void visit(V& v) {
    v.section("data", data, "training clips");
    v.section("labels", labels, "where the training labels come from");
    v.field("init_adapter", init_adapter,
            "adapter to start from: \"pretrain\" (this run's dap-pretrain adapter.pt of run.split), a path to an adapter.pt "
            "or a dap-finetune model.pt (its adaptation block), or \"none\" (fresh: the paper's baseline rows)");
    v.field("train_backbone", train_backbone, "fine-tune the backbone too (at lr_pretrained); false: frozen");
    v.choice("input", input, {"original", "enhanced"}, "which frames the classifier sees");
    v.section("augment", augment, "training augmentation of the clips (evaluation: none)");
    v.section("head", head, "the classification head");
    v.choice("loss", loss, {"cross_entropy", "actionclip_kl"},
             "cross_entropy: over the classes; actionclip_kl: ActionCLIP's symmetric KL between the batch's "
             "video-text similarities and its same-label matrix (text head only)");
    v.section("optim", optim, "AdamW with two learning-rate groups, warm-up + cosine");
    v.field("seed", seed, "seed of initialisation, shuffling and frame jitter", Range{0, 9.0e15});
    visit_run_settings(v);
    v.require(loss != "actionclip_kl" || head.kind == "text", "loss", "actionclip_kl needs head.kind = \"text\"");
  }

};

}  // namespace dap::config
