// The `finetune` section of an experiment: supervised fine-tuning or
// adaptation on pseudo-labels (METHOD.md 5). The network is the pretrain
// section's backbone and adapter (so a dap-pretrain adapter fits) plus a
// classification head; frame sampling and sizes are the pretrain section's
// views. Defaults are the paper's ActionCLIP setting. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/clip_set_config.h"
#include "core/config/config_binding.h"
#include "core/config/pretrain_config.h"
#include "core/config/threads_config.h"
#include "core/models/clip_config.h"

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
    v.choice("selection", selection, {"threshold", "topk_per_class"},
             "which pseudo-labels are kept: softmax confidence >= threshold, or the k most confident per class");
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
    v.require(!templates.empty(), "templates", "must list at least one template");
  }
};

struct ClassifierConfig {
  std::string kind = "text";
  TextHeadConfig text;

  template <class V>
  void visit(V& v) {
    v.choice("kind", kind, {"text", "linear"},
             "text: ActionCLIP-style video-text matching with CLIP's text encoder (frozen) and class prompts; "
             "linear: a linear layer on the video feature");
    v.section("text", text, "the text head (kind = text)");
  }
};

struct FinetuneOptimConfig {
  int64_t global_batch = 32;
  int epochs = 50;
  int64_t max_steps = 0;
  double lr_pretrained = 5e-6;
  double lr_new = 5e-5;
  double min_lr_fraction = 0.0;
  double warmup_epochs = 5;
  double weight_decay = 0.2;
  double clip_grad = 0.0;
  double label_smoothing = 0.0;

  template <class V>
  void visit(V& v) {
    v.field("global_batch", global_batch, "clips per step over all ranks (must divide by the rank count)",
            Range{1, 1e7});
    v.field("epochs", epochs, "passes over the labelled clips; schedules span them", Range{1, 100000});
    v.field("max_steps", max_steps, "stop after this many steps (0: all epochs)", Range{0, 1e12});
    v.field("lr_pretrained", lr_pretrained,
            "learning rate of parameters that come from a checkpoint (backbone, pretrained adapter)", Range{0, 10});
    v.field("lr_new", lr_new, "learning rate of new modules (head, fresh adapter)", Range{0, 10});
    v.field("min_lr_fraction", min_lr_fraction, "learning rates end at this fraction of their peak (cosine)",
            Range{0, 1});
    v.field("warmup_epochs", warmup_epochs, "epochs of linear learning-rate warm-up from 0", Range{0, 100000});
    v.field("weight_decay", weight_decay, "AdamW weight decay (none on biases and 1-D parameters)", Range{0, 10});
    v.field("clip_grad", clip_grad, "per-parameter gradient norm limit (0: no clipping)", Range{0, 1e6});
    v.field("label_smoothing", label_smoothing, "label smoothing of the cross-entropy", Range{0, 1});
  }
};

struct FinetuneConfig {
  ClipSetConfig data;
  LabelsConfig labels;
  std::string init_adapter = "pretrain";
  bool train_backbone = true;
  std::string input = "original";
  ClassifierConfig head;
  FinetuneOptimConfig optim;
  LoaderConfig loader;
  CheckpointConfig checkpoint;
  std::string split;
  int64_t seed = 0;
  std::string device = "auto";
  int log_every_steps = 1;
  ThreadsConfig threads;

  template <class V>
  void visit(V& v) {
    v.section("data", data, "training clips");
    v.section("labels", labels, "where the training labels come from");
    v.field("init_adapter", init_adapter,
            "adapter to start from: \"pretrain\" (this run's dap-pretrain adapter.pt), a path to an adapter.pt "
            "or a dap-finetune model.pt (its adaptation block), or \"none\" (fresh: the paper's baseline rows)");
    v.field("train_backbone", train_backbone, "fine-tune the backbone too (at lr_pretrained); false: frozen");
    v.choice("input", input, {"original", "enhanced"}, "which frames the classifier sees");
    v.section("head", head, "the classification head");
    v.section("optim", optim, "AdamW with two learning-rate groups, warm-up + cosine");
    v.section("loader", loader, "background batch preparation");
    v.section("checkpoint", checkpoint, "checkpoints and resuming");
    v.field("split", split,
            "split name (e.g. \"1\" for ARID split 1): replaces \"{split}\" in ids lists and names the run folder");
    v.field("seed", seed, "seed of initialisation, shuffling and frame jitter", Range{0, 9.0e15});
    v.choice("device", device, {"auto", "cpu", "cuda"}, "where the model runs (auto: CUDA when available)");
    v.field("log_every_steps", log_every_steps, "steps between metrics lines", Range{1, 1e9});
    v.section("threads", threads, "CPU threads per rank");
  }

  // The folder name of one fine-tuning run inside run.root/run.name/finetune:
  // "split<split>-seed<seed>", or "seed<seed>" without a split.
  std::string tag() const {
    return (split.empty() ? "" : "split" + split + "-") + "seed" + std::to_string(seed);
  }
};

}  // namespace dap::config
