// The typed experiment config: one struct per section of an experiment file.
// Defaults here are the defaults of every run; lua/base.lua mirrors them with
// comments (a test checks the two agree). Ranges and choices are validated when
// the file is bound (config_binding.h); later stages add their own sections.
#pragma once

#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/config/config_binding.h"
#include "core/config/config_tree.h"
#include "core/config/evaluate_config.h"
#include "core/config/finetune_config.h"
#include "core/config/pretrain_config.h"
#include "core/config/threads_config.h"

namespace dap::config {

struct RunConfig {
  std::string name = "demo";
  std::string root = "runs";
  std::string split;
  std::string seed_scope = "finetune";
  double stall_timeout_s = 900;

  template <class V>
  void visit(V& v) {
    v.field("name", name, "run name; the run directory is root/name");
    v.field("root", root, "folder that holds run directories");
    v.field("split", split,
            "split name (e.g. \"1\" for ARID split 1): replaces \"{split}\" in every ids list and names the "
            "pretraining and fine-tuning folders, so each split has its own pretraining");
    v.choice("seed_scope", seed_scope, {"finetune", "chain"},
             "what a seed varies: finetune (finetune.seed; one pretraining per split) or chain (pretraining, "
             "the pseudo-label teacher's \"{seed}\" and fine-tuning: pretrain.seed must equal finetune.seed and "
             "each seed gets its own pretraining folder)");
    v.field("stall_timeout_s", stall_timeout_s,
            "seconds a rank waits on the others (a collective, a training step) before it ends the job with "
            "exit 76, as when a node is lost; the Slurm scripts requeue it (0: wait forever)",
            Range{0, 1e7});
  }
};

struct DataConfig {
  std::string name = "demo";
  std::string root;
  std::string manifest;
  std::string manifest_format = "csv";
  std::vector<std::string> class_names;
  std::string class_map;

  template <class V>
  void visit(V& v) {
    v.field("name", name, "data set name (keys the preprocessed output folder)");
    v.field("root", root, "folder that manifest paths are relative to (required for preprocessing)");
    v.field("manifest", manifest, "manifest file listing the videos (required for preprocessing)");
    v.choice("manifest_format", manifest_format, {"csv", "arid", "ug2", "dailyda"},
             "manifest file format: csv (path,label[,domain,split,id]) or a data set's list file");
    v.field("class_names", class_names, "class names, label i -> class_names[i+1]; may be empty");
    v.field("class_map", class_map, "optional file of 'idx name' lines, used when class_names is empty");
  }
};

struct SamplingConfig {
  std::string mode = "uniform";
  int num_frames = 8;
  double fps = 4.0;
  int max_frames = 64;

  template <class V>
  void visit(V& v) {
    v.choice("mode", mode, {"uniform", "fps"}, "how frames are picked from a video");
    v.field("num_frames", num_frames, "frames per video in uniform mode", Range{1, 4096});
    v.field("fps", fps, "target frame rate in fps mode", Range{0.01, 1000});
    v.field("max_frames", max_frames, "at most this many frames per video in fps mode", Range{1, 100000});
  }
};

struct ResizeConfig {
  int height = 224;
  int width = 224;
  std::string mode = "crop";

  template <class V>
  void visit(V& v) {
    v.field("height", height, "output frame height in pixels", Range{8, 4096});
    v.field("width", width, "output frame width in pixels", Range{8, 4096});
    v.choice("mode", mode, {"crop", "stretch"},
             "crop: scale the short side, then centre-crop; stretch: scale to height x width");
  }
};

struct EnhancerConfig {
  std::string name = "sci";
  std::string weights = "assets/sci/easy.pt";
  int batch_size = 16;

  template <class V>
  void visit(V& v) {
    v.choice("name", name, {"sci", "none"}, "low-light enhancer for frames_enhanced (none: copy the frames)");
    v.field("weights", weights, "enhancer weights file (a torch.save state dict)");
    v.field("batch_size", batch_size, "frames per enhancer forward pass", Range{1, 4096});
    v.require(name != "sci" || !weights.empty(), "weights", "must name the SCI weights file when name = \"sci\"");
  }
};

struct OutputConfig {
  std::string root = "out/data";
  std::string dir;
  int videos_per_shard = 32;
  std::string compression = "gzip";
  int compression_level = 1;
  bool shuffle = false;

  template <class V>
  void visit(V& v) {
    v.field("root", root, "folder for preprocessed data sets");
    v.field("dir", dir, "explicit output folder; empty: root/<data.name>-<hash of the settings>");
    v.field("videos_per_shard", videos_per_shard, "videos per HDF5 shard file", Range{1, 1e6});
    v.choice("compression", compression, {"gzip", "none"}, "HDF5 compression of the frame data sets");
    v.field("compression_level", compression_level, "gzip level (1 is fast, 9 is small)", Range{0, 9});
    v.field("shuffle", shuffle, "HDF5 byte-shuffle filter before compression");
  }
};

struct PreprocessConfig {
  DataConfig data;
  SamplingConfig sampling;
  ResizeConfig resize;
  EnhancerConfig enhancer;
  OutputConfig output;
  double max_failure_fraction = 0.1;
  double progress_seconds = 10.0;
  std::string decode = "needed";
  ThreadsConfig threads;

  template <class V>
  void visit(V& v) {
    v.section("data", data, "the input videos");
    v.section("sampling", sampling, "which frames of each video are kept");
    v.section("resize", resize, "frame size in the shards");
    v.section("enhancer", enhancer, "low-light enhancement");
    v.section("output", output, "where and how shards are written");
    v.field("max_failure_fraction", max_failure_fraction,
            "fail the stage when more than this fraction of videos cannot be read", Range{0, 1});
    v.field("progress_seconds", progress_seconds, "seconds between progress log lines (0: every video)",
            Range{0, 1e6});
    v.choice("decode", decode, {"needed", "all"},
             "needed: decode only the sampled frames and what they reference (same frames, faster; files it "
             "cannot prove safe fall back to all); all: decode every frame");
    v.section("threads", threads, "CPU threads per rank");
  }
};

struct ExperimentConfig {
  RunConfig run;
  PreprocessConfig preprocess;
  PretrainConfig pretrain;
  FinetuneConfig finetune;
  EvaluateConfig evaluate;

  template <class V>
  void visit(V& v) {
    v.section("run", run, "the run: its directory is run.root/run.name");
    v.section("preprocess", preprocess, "dap-preprocess: videos -> HDF5 shards");
    v.section("pretrain", pretrain, "dap-pretrain: domain-adaptive pretraining by cross-domain self-distillation");
    v.section("finetune", finetune, "dap-finetune: supervised fine-tuning or adaptation on pseudo-labels");
    v.section("evaluate", evaluate, "dap-evaluate: predictions, metrics, tables and pictures");
    v.require(run.seed_scope != "chain" || pretrain.seed == finetune.seed, "finetune.seed",
              "must equal pretrain.seed when run.seed_scope = \"chain\" (the jobs' --seeds set both)");
    v.require(!pretrain.adapter.reads_embedding() || pretrain.backbone.kind == "clip_vit", "pretrain.adapter.lock_input",
              "\"embedding\" needs the CLIP ViT backbone");
    v.require(!pretrain.adapter.reads_embedding() || pretrain.adapter.width == pretrain.backbone.clip.output_dim,
              "pretrain.adapter.width", "must equal pretrain.backbone.clip.output_dim with lock_input = \"embedding\"");
    v.require(evaluate.task != "gradcam" || pretrain.backbone.kind == "clip_vit", "evaluate.task",
              "\"gradcam\" is implemented for the CLIP ViT backbone only (not R(2+1)D or TimeSformer)");
  }
};

// Settings only the preprocessing stage needs (other stages read shards, so
// the shared defaults leave them empty). Call from dap-preprocess after binding.
inline void require_preprocess_inputs(const ConfigTree& tree, const ExperimentConfig& config) {
  const auto require_set = [&](const std::string& value, const std::string& key, const std::string& what) {
    if (value.empty()) throw ConfigError(format_config_error(tree.origin_of(key), key, what));
  };
  require_set(config.preprocess.data.root, "preprocess.data.root",
              "must name the folder that manifest paths are relative to");
  require_set(config.preprocess.data.manifest, "preprocess.data.manifest", "must name the manifest file");
}

}  // namespace dap::config
