// Where every stage's outputs lie, in one place: each stage asks here for the
// folders it writes and the files of other stages it reads, so the layout of
// a run folder (docs/ARCHITECTURE.md, data flow) is defined once.
//
//   run.root/run.name/
//     preprocess/                       config.lua, summary of the shards written
//     pretrain[/split<S>][-seed<N>]/    config.lua, metrics.jsonl, checkpoints/, adapter.pt
//     finetune/<split S->seed N>/       config.lua, metrics.jsonl, checkpoints/, model.pt
//     evaluate/<split S->seed N | zeroshot[-split S]>/   predictions.h5, metrics.json, ...
//     results/                          aggregated tables
//
// Preprocessed data sets live apart, under preprocess.output (core/data/preprocessed_folder.h).
#pragma once

#include <string>

#include "core/config/experiment_config.h"

namespace dap {

// run.root/run.name
std::string run_folder(const config::ExperimentConfig& config);
// run.root/run.name/<stage>
std::string stage_folder(const config::ExperimentConfig& config, const std::string& stage);

// run.root/run.name/pretrain, or .../pretrain/split<S> with run.split = S: each
// split is pretrained on its own clips, never on another split's test clips.
// With run.seed_scope = "chain" each pretraining seed N has its own folder
// (.../pretrain/split<S>-seed<N>, or .../pretrain/seed<N>).
std::string pretrain_folder(const config::ExperimentConfig& config);
// `text` with every "{seed}" replaced by `seed`.
std::string with_seed(std::string text, int64_t seed);
// finetune.labels.predictions with "{seed}" replaced by pretrain.seed, the seed
// of the chain upstream of fine-tuning (with run.seed_scope = "chain" the jobs
// set it to each seed in turn, so each seed gets its own teacher).
std::string teacher_predictions_file(const config::ExperimentConfig& config);
// <pretrain_folder>/adapter.pt
std::string pretrain_adapter_file(const config::ExperimentConfig& config);

// "split<S>-seed<N>" (run.split, finetune.seed), or "seed<N>" without a split: one fine-tuning run.
std::string finetune_tag(const config::ExperimentConfig& config);
// run.root/run.name/finetune/<finetune_tag>
std::string finetune_folder(const config::ExperimentConfig& config);
// run.root/run.name/finetune/<finetune_tag>/model.pt
std::string finetune_model_file(const config::ExperimentConfig& config);
// The adapter.pt that finetune.init_adapter names ("" for "none";
// "pretrain": this run's pretrain_adapter_file).
std::string finetune_adapter_file(const config::ExperimentConfig& config);

// Where dap-evaluate's predict and gradcam write: evaluate.output ("{seed}":
// pretrain.seed), or
// run.root/run.name/evaluate/<finetune_tag, or zeroshot[-split<split>]>.
std::string evaluate_folder(const config::ExperimentConfig& config);
// Where the aggregated tables go: evaluate.aggregate.output, or run.root/run.name/results.
std::string results_folder(const config::ExperimentConfig& config);

}  // namespace dap
