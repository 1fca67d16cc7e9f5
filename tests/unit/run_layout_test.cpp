// The run-folder layout every stage asks (core/run/run_layout.h).
#include <gtest/gtest.h>

#include "core/config/experiment_config.h"
#include "core/run/run_layout.h"

namespace dap {
namespace {

config::ExperimentConfig experiment() {
  config::ExperimentConfig c;
  c.run.root = "/scratch/runs";
  c.run.name = "arid";
  c.finetune.seed = 3;
  return c;
}

TEST(RunLayout, StageFoldersLieInTheRunFolder) {
  const auto c = experiment();
  EXPECT_EQ(run_folder(c), "/scratch/runs/arid");
  EXPECT_EQ(stage_folder(c, "preprocess"), "/scratch/runs/arid/preprocess");
  EXPECT_EQ(pretrain_adapter_file(c), "/scratch/runs/arid/pretrain/adapter.pt");
  EXPECT_EQ(results_folder(c), "/scratch/runs/arid/results");
}

TEST(RunLayout, FinetuneRunsAreNamedBySplitAndSeed) {
  auto c = experiment();
  EXPECT_EQ(finetune_tag(c), "seed3");
  c.run.split = "2";
  EXPECT_EQ(finetune_tag(c), "split2-seed3");
  EXPECT_EQ(finetune_folder(c), "/scratch/runs/arid/finetune/split2-seed3");
  EXPECT_EQ(finetune_model_file(c), "/scratch/runs/arid/finetune/split2-seed3/model.pt");
  EXPECT_EQ(evaluate_folder(c), "/scratch/runs/arid/evaluate/split2-seed3");
  c.evaluate.model = "zeroshot";
  EXPECT_EQ(evaluate_folder(c), "/scratch/runs/arid/evaluate/zeroshot-split2");
  c.evaluate.output = "/tmp/eval";
  EXPECT_EQ(evaluate_folder(c), "/tmp/eval");
}

TEST(RunLayout, ChainSeedsHaveTheirOwnPretrainingAndTeacher) {
  auto c = experiment();
  c.run.split = "2";
  EXPECT_EQ(pretrain_folder(c), "/scratch/runs/arid/pretrain/split2");
  c.pretrain.seed = 3;
  EXPECT_EQ(pretrain_folder(c), "/scratch/runs/arid/pretrain/split2");  // seed scope "finetune": one per split
  c.run.seed_scope = "chain";
  EXPECT_EQ(pretrain_folder(c), "/scratch/runs/arid/pretrain/split2-seed3");
  EXPECT_EQ(finetune_adapter_file(c), "/scratch/runs/arid/pretrain/split2-seed3/adapter.pt");
  c.run.split.clear();
  EXPECT_EQ(pretrain_folder(c), "/scratch/runs/arid/pretrain/seed3");
  // "{seed}" in the teacher's predictions and in evaluate.output is pretrain.seed.
  c.finetune.labels.predictions = "runs/source/teacher/seed{seed}/predictions.h5";
  EXPECT_EQ(teacher_predictions_file(c), "runs/source/teacher/seed3/predictions.h5");
  c.evaluate.output = "runs/source/teacher/seed{seed}";
  EXPECT_EQ(evaluate_folder(c), "runs/source/teacher/seed3");
  EXPECT_EQ(with_seed("{seed}-{seed}", 7), "7-7");
}

TEST(RunLayout, FinetuneAdapterFollowsInitAdapter) {
  auto c = experiment();
  c.finetune.init_adapter = "pretrain";
  EXPECT_EQ(finetune_adapter_file(c), "/scratch/runs/arid/pretrain/adapter.pt");
  c.finetune.init_adapter = "none";
  EXPECT_EQ(finetune_adapter_file(c), "");
  c.finetune.init_adapter = "/models/other/adapter.pt";
  EXPECT_EQ(finetune_adapter_file(c), "/models/other/adapter.pt");
  c.evaluate.aggregate.output = "/tables";
  EXPECT_EQ(results_folder(c), "/tables");
}

}  // namespace
}  // namespace dap
