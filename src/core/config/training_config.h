// What the two training sections (pretrain, finetune) share: the length of
// training and the optimiser settings both have, and the run settings that a
// resumed run may change (loader, checkpoints, device, logging, threads).
// Each section derives from these, so its keys stay where users write them
// (`<section>.optim.epochs`, `<section>.loader.workers`, ...). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config/clip_set_config.h"
#include "core/config/config_binding.h"
#include "core/config/threads_config.h"

namespace dap::config {

// The keys of `<section>.optim` that both training stages have; each stage
// adds its learning rates and sets its own defaults.
struct TrainingOptimConfig {
  int64_t global_batch;
  int epochs;
  int64_t max_steps = 0;
  double warmup_epochs;
  double weight_decay;
  double clip_grad;
  std::vector<double> betas;  // AdamW's (beta1, beta2)
  double eps = 1e-8;

  TrainingOptimConfig(int64_t global_batch_, int epochs_, double warmup_epochs_, double weight_decay_,
                      double clip_grad_, double beta2)
      : global_batch(global_batch_),
        epochs(epochs_),
        warmup_epochs(warmup_epochs_),
        weight_decay(weight_decay_),
        clip_grad(clip_grad_),
        betas{0.9, beta2} {}

  template <class V>
  void visit_common(V& v) {
    v.field("global_batch", global_batch, "clips per step over all ranks (must divide by the rank count)",
            Range{1, 1e7});
    v.field("epochs", epochs, "passes over the data; schedules span them", Range{1, 100000});
    v.field("max_steps", max_steps, "stop after this many steps (0: all epochs); schedules still span all epochs",
            Range{0, 1e12});
    v.field("warmup_epochs", warmup_epochs, "epochs of linear learning-rate warm-up from 0", Range{0, 100000});
    v.field("weight_decay", weight_decay, "AdamW weight decay (none on biases and 1-D parameters)", Range{0, 10});
    v.field("clip_grad", clip_grad, "per-parameter gradient norm limit (0: no clipping)", Range{0, 1e6});
    v.field("betas", betas, "AdamW's decay rates of the moment estimates {beta1, beta2}", Range{0, 0.999999});
    v.field("eps", eps, "AdamW's epsilon", Range{1e-12, 1});
    v.require(betas.size() == 2, "betas", "must list two numbers {beta1, beta2}");
  }
};

struct LoaderConfig {
  int workers = 2;
  int prefetch = 2;

  template <class V>
  void visit(V& v) {
    v.field("workers", workers, "background threads building views, per rank", Range{1, 256});
    v.field("prefetch", prefetch, "batches prepared ahead of the training step", Range{1, 256});
  }
};

struct CheckpointConfig {
  int64_t every_steps = 50;
  int keep = 2;
  bool resume = true;

  template <class V>
  void visit(V& v) {
    v.field("every_steps", every_steps, "steps between checkpoints (one is always written at the end)",
            Range{1, 1e12});
    v.field("keep", keep, "most recent checkpoints kept", Range{1, 1000});
    v.field("resume", resume, "continue from the newest checkpoint of this run when there is one");
  }
};

// The settings of a training section that a resumed run may change: they
// shape neither the model nor its trajectory.
struct TrainingRunSettings {
  LoaderConfig loader;
  CheckpointConfig checkpoint;
  std::string device = "auto";
  std::string precision = "auto";
  bool overlap_allreduce = true;
  int log_every_steps = 1;
  ThreadsConfig threads;

  template <class V>
  void visit_run_settings(V& v) {
    v.section("loader", loader, "background batch preparation");
    v.section("checkpoint", checkpoint, "checkpoints and resuming");
    v.choice("device", device, {"auto", "cpu", "cuda"}, "where the model runs (auto: CUDA when available)");
    v.choice("precision", precision, {"auto", "fp32", "bf16"},
             "forward passes under bfloat16 autocast, parameters and gradients float32 (auto: bf16 on CUDA, fp32 on the CPU)");
    v.field("overlap_allreduce", overlap_allreduce,
            "start each gradient bucket's all-reduce during the backward pass, once its gradients are "
            "computed (false: all buckets after the backward pass)");
    v.field("log_every_steps", log_every_steps, "steps between metrics lines", Range{1, 1e9});
    v.section("threads", threads, "CPU threads per rank");
  }
};

// A training section without its run settings, optim.max_steps and the shard
// folders (where the same clips lie may change): what a checkpoint must share
// with the config to be resumed.
template <class Section>
Section without_run_settings(Section c) {
  static_assert(std::is_base_of_v<TrainingRunSettings, Section>, "a training section");
  static_assert(std::is_base_of_v<TrainingOptimConfig, decltype(c.optim)>, "a training section's optim");
  static_cast<TrainingRunSettings&>(c) = TrainingRunSettings{};
  c.optim.max_steps = 0;
  c.data.shards = {};
  return c;
}

}  // namespace dap::config
