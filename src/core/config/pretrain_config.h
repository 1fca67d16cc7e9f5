// The `pretrain` section of an experiment: domain-adaptive pretraining by
// cross-domain self-distillation (METHOD.md 2-4). Torch-free, so the config
// layer and the tests can use it without libtorch. Defaults are the paper's
// CLIP ViT-B/16 setting; the number of epochs is not stated by the paper.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/adaptation_config.h"
#include "core/config/clip_config.h"
#include "core/config/clip_set_config.h"
#include "core/config/config_binding.h"
#include "core/config/r2plus1d_config.h"
#include "core/config/timesformer_config.h"
#include "core/config/training_config.h"

namespace dap::config {

struct BackboneConfig {
  std::string kind = "clip_vit";
  // Empty: random initialisation from the seed (tests and the demo's own backbone).
  std::string weights;
  bool train_encoder = false;  // Table 4 "train encoder": the backbone is trained too
  ClipVisualConfig clip;
  R2Plus1dConfig r2plus1d;
  TimeSformerConfig timesformer;

  // Layers whose frame features the backbone yields (ViT blocks, R(2+1)D stages).
  int64_t feature_layers() const {
    if (kind == "clip_vit") return clip.layers;
    return kind == "timesformer" ? timesformer.layers : 4;
  }
  // Transformers (CLIP ViT, TimeSformer): token width and patch size.
  bool is_transformer() const { return kind != "r2plus1d"; }
  int64_t token_width() const { return kind == "clip_vit" ? clip.width : timesformer.width; }
  int64_t patch_size() const { return kind == "clip_vit" ? clip.patch_size : timesformer.patch_size; }
  // Time steps of the last layer's features for `frames` input frames
  // (R(2+1)D halves time in layer2..4, rounding up).
  int64_t last_layer_frames(int64_t frames) const {
    if (kind != "r2plus1d") return frames;
    for (int stage = 1; stage < 4; ++stage) frames = (frames + 1) / 2;
    return frames;
  }

  template <class V>
  void visit(V& v) {
    v.choice("kind", kind, {"clip_vit", "r2plus1d", "timesformer"}, "the video backbone");
    v.field("weights", weights,
            "backbone weights: OpenAI CLIP archive / state dict, a torchvision-style R(2+1)D state dict, a "
            "released TimeSformer .pyth, or a dap-finetune model.pt (its backbone) (empty: random initialisation)");
    v.field("train_encoder", train_encoder,
            "Table 4 ablation: train the backbone as well (student and EMA teacher backbones)");
    v.section("clip", clip, "CLIP ViT sizes (kind = clip_vit); a weight file must match them");
    v.section("r2plus1d", r2plus1d, "R(2+1)D sizes (kind = r2plus1d)");
    v.section("timesformer", timesformer, "TimeSformer sizes (kind = timesformer); a weight file must match them");
  }
};

struct ViewsConfig {
  int num_frames = 8;
  int size = 224;
  int local_size = 96;
  double local_scale_min = 0.05;
  double local_scale_max = 0.4;
  int patch_size = 16;
  bool mask_per_frame = false;
  bool jitter = true;
  std::vector<double> mean = {0.48145466, 0.4578275, 0.40821073};
  std::vector<double> std = {0.26862954, 0.26130258, 0.27577711};

  template <class V>
  void visit(V& v) {
    v.field("num_frames", num_frames, "frames T per view", Range{1, 1024});
    v.field("size", size, "side of the global views o, e, m in pixels", Range{8, 4096});
    v.field("local_size", local_size, "side of the local view l in pixels", Range{8, 4096});
    v.field("local_scale_min", local_scale_min, "smallest area fraction of the local crop", Range{0.001, 1});
    v.field("local_scale_max", local_scale_max, "largest area fraction of the local crop", Range{0.001, 1});
    v.field("patch_size", patch_size, "cell side of the patch-mix mask (the backbone's patch size)",
            Range{1, 4096});
    v.field("mask_per_frame", mask_per_frame, "draw a mix mask per frame instead of one per clip");
    v.field("jitter", jitter, "random frame inside each temporal segment (false: segment centres)");
    v.field("mean", mean, "per-channel mean of the backbone's input normalisation", Range{0, 1});
    v.field("std", std, "per-channel std of the backbone's input normalisation", Range{1e-6, 10});
    v.require(local_scale_min <= local_scale_max, "local_scale_min", "must not exceed local_scale_max");
    v.require(size % patch_size == 0, "patch_size", "must divide size");
    v.require(mean.size() == 3, "mean", "must list 3 channels");
    v.require(std.size() == 3, "std", "must list 3 channels");
  }
};

struct DistillationConfig {
  double student_temp = 0.1;
  double teacher_temp = 0.04;
  double warmup_teacher_temp = 0.04;
  int warmup_teacher_temp_epochs = 0;
  double center_momentum = 0.9;
  double momentum_teacher = 0.996;

  template <class V>
  void visit(V& v) {
    v.field("student_temp", student_temp, "student softmax temperature tau_s (paper: 0.1)", Range{1e-4, 10});
    v.field("teacher_temp", teacher_temp, "teacher temperature tau_t after warm-up (DINO: 0.04)", Range{1e-4, 10});
    v.field("warmup_teacher_temp", warmup_teacher_temp, "teacher temperature at the first step", Range{1e-4, 10});
    v.field("warmup_teacher_temp_epochs", warmup_teacher_temp_epochs,
            "epochs of linear teacher-temperature warm-up", Range{0, 100000});
    v.field("center_momentum", center_momentum, "EMA momentum of the teacher centre", Range{0, 1});
    v.field("momentum_teacher", momentum_teacher, "initial EMA momentum of the teacher (cosine to 1)", Range{0, 1});
  }
};

struct OptimConfig : TrainingOptimConfig {
  double lr = 5e-5;
  double min_lr = 1e-6;
  double weight_decay_end = 0.04;
  int freeze_last_layer_epochs = 1;

  OptimConfig() : TrainingOptimConfig(/*global_batch=*/128, /*epochs=*/30, /*warmup_epochs=*/1,
                                      /*weight_decay=*/0.04, /*clip_grad=*/3.0,
                                      /*beta2=*/0.999) {}  // torch's AdamW defaults, as DINO

  template <class V>
  void visit(V& v) {
    visit_common(v);
    v.field("lr", lr, "AdamW learning rate after warm-up", Range{0, 10});
    v.field("min_lr", min_lr, "learning rate at the end of the cosine decay", Range{0, 10});
    v.field("weight_decay_end", weight_decay_end, "weight decay at the end (cosine schedule from weight_decay)",
            Range{0, 10});
    v.field("freeze_last_layer_epochs", freeze_last_layer_epochs,
            "epochs during which the head's last layer gets no update", Range{0, 100000});
  }
};

struct PretrainConfig : TrainingRunSettings {
  ClipSetConfig data;  // several folders = several domains
  BackboneConfig backbone;
  AdaptationConfig adapter;
  std::string init_adapter;
  DinoHeadConfig head;
  ViewsConfig views;
  DistillationConfig distillation;
  OptimConfig optim;
  int64_t seed = 0;
  // The frozen backbone's features of every stored frame, computed once and
  // stored beside the shards (pretrain/feature_cache.h); steps then run the
  // backbone only on the views that cannot be cached (m and l).
  bool feature_cache = false;
  // How the cache stores the features: float16 halves its files (ARID: 4.2 ->
  // 2.1 GiB) for a rounding of about 5e-4 relative; they are float32 again when read.
  std::string feature_cache_dtype = "float32";

  template <class V>
  void visit(V& v) {
    v.section("data", data, "training clips (unlabelled: the target domain)");
    v.section("backbone", backbone, "the frozen (or, as an ablation, trained) video backbone");
    v.section("adapter", adapter, "the adaptation block trained on top of the backbone (Table 4 modes)");
    v.field("init_adapter", init_adapter,
            "adaptation block to start from: an adapter.pt or a dap-finetune model.pt (empty: fresh)");
    v.section("head", head, "the DINO projection head");
    v.section("views", views, "the four views o, e, m, l (METHOD.md 2)");
    v.section("distillation", distillation, "teacher, temperatures and centring (METHOD.md 4)");
    v.section("optim", optim, "AdamW, schedules and clipping");
    v.field("seed", seed, "seed of initialisation, shuffling and views", Range{0, 9.0e15});
    v.field("feature_cache", feature_cache,
            "compute the frozen backbone's per-layer features of every stored frame once (beside the shards) and "
            "run the backbone only on the mixed and local views");
    v.choice("feature_cache_dtype", feature_cache_dtype, {"float32", "float16"},
             "how the feature cache stores the features (float16: half the size, rounded to about 5e-4 relative; "
             "each type has its own cache)");
    v.require(!feature_cache || backbone.kind == "clip_vit", "feature_cache",
              "needs the CLIP ViT backbone, whose features of a frame depend on that frame alone (R(2+1)D's "
              "convolutions and TimeSformer's attention mix frames)");
    v.require(!feature_cache || !backbone.train_encoder, "feature_cache",
              "cannot be used with backbone.train_encoder = true: the backbone changes every step");
    visit_run_settings(v);
    // adapter.num_frames = 0 asks for what the backbone gives, so one setting fits every backbone.
    if (adapter.num_frames == 0) adapter.num_frames = backbone.last_layer_frames(views.num_frames);
  }
};

}  // namespace dap::config
