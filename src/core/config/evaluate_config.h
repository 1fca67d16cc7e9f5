// The `evaluate` section of an experiment: dap-evaluate's tasks (predict,
// aggregate, gradcam). The model's architecture is the pretrain and finetune
// sections' (backbone, adapter, head, views). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/config_binding.h"
#include "core/config/finetune_config.h"
#include "core/config/threads_config.h"

namespace dap::config {

// Where a result lands in the aggregated tables (paper Tables 1-4).
struct ResultLabelConfig {
  std::string table = "Results";
  std::string row = "model";
  std::string column;

  template <class V>
  void visit(V& v) {
    v.field("table", table, "table this run's result belongs to, e.g. \"Table 2: ARID\"");
    v.field("row", row, "row label, e.g. \"CLIP ViT-B/16 + DAP\"");
    v.field("column", column,
            "column label, e.g. \"K600->A11\" (Top-1 is reported there); empty: two columns, Top-1 and Top-5");
  }
};

struct AggregateConfig {
  std::vector<std::string> runs;
  std::string output;
  std::string name = "results";

  template <class V>
  void visit(V& v) {
    v.field("runs", runs,
            "run folders (run.root/run.name) whose evaluate/*/metrics.json are aggregated (empty: this run)");
    v.field("output", output, "folder of the tables (empty: run.root/run.name/results)");
    v.field("name", name, "file name of the tables: <name>.md, .csv and .json");
  }
};

struct GradCamConfig {
  std::string before;
  int clips = 4;
  int frames = 8;
  int block = -1;

  template <class V>
  void visit(V& v) {
    v.field("before", before,
            "model.pt fine-tuned without domain-adaptive pretraining (the \"before\" row); empty: row left out");
    v.field("clips", clips, "clips drawn (the first of the evaluation set)", Range{1, 10000});
    v.field("frames", frames, "frames shown per clip (evenly spread over the view's frames)", Range{1, 1024});
    v.field("block", block,
            "ViT block whose input tokens are explained; negative counts from the end (-1: the last block)",
            Range{-1024, 1023});
  }
};

struct EvaluateConfig {
  std::string task = "predict";
  std::string model = "finetune";
  ClipSetConfig data;
  std::string output;
  ResultLabelConfig result;
  AggregateConfig aggregate;
  GradCamConfig gradcam;
  int batch = 8;
  std::string device = "auto";
  ThreadsConfig threads;

  template <class V>
  void visit(V& v) {
    v.choice("task", task, {"predict", "aggregate", "gradcam"},
             "predict: scores of a model on the data -> predictions.h5, metrics.json, confusion.png; aggregate: "
             "mean +- std tables over seeds and splits; gradcam: Fig. 3-style Grad-CAM pictures");
    v.field("model", model,
            "\"finetune\" (this run's fine-tuned model for run.split and finetune.seed), \"zeroshot\" "
            "(CLIP backbone + text prompts, no training), or a path to a model.pt");
    v.section("data", data, "the evaluation clips");
    v.field("output", output,
            "folder of the predict and gradcam outputs (empty: run.root/run.name/evaluate/<finetune split-seed tag, "
            "or zeroshot>)");
    v.section("result", result, "where this run's numbers go in the aggregated tables");
    v.section("aggregate", aggregate, "task = aggregate");
    v.section("gradcam", gradcam, "task = gradcam");
    v.field("batch", batch, "clips per forward pass", Range{1, 100000});
    v.choice("device", device, {"auto", "cpu", "cuda"}, "where the model runs (auto: CUDA when available)");
    v.section("threads", threads, "CPU threads per rank");
  }
};

}  // namespace dap::config
