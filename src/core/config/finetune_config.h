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

  template <class V>
  void visit(V& v) {
    v.field("weights", weights, "CLIP archive or state dict holding the text encoder (empty: pretrain.backbone.weights)");
    v.section("encoder", encoder, "CLIP text encoder sizes; a weight file must match them");
    v.field("templates", templates,
            "class prompts, \"{}\" replaced by the class name; the class embedding is the mean over templates "
            "(ActionCLIP's 16)");
    v.field("vocab", vocab, "CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz)");
    v.field("logit_scale", logit_scale, "multiplier of the cosine similarities (CLIP: exp(4.6052) = 100)",
            Range{1e-3, 1e6});
    v.field("train_encoder", train_encoder,
            "fine-tune the text encoder too (at optim.lr_text; a random template per class each step, as "
            "ActionCLIP); false: class embeddings computed once and frozen");
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
  }
};

struct FinetuneConfig : TrainingRunSettings {
  ClipSetConfig data;
  LabelsConfig labels;
  std::string init_adapter = "pretrain";
  bool train_backbone = true;
  std::string input = "original";
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
