// dap-finetune: supervised fine-tuning, or adaptation on pseudo-labels
// (METHOD.md 5), on any number of MPI ranks.
//
// The network is pretrain.backbone + pretrain.adapter (started from
// dap-pretrain's adapter.pt, or fresh for the baseline rows) + a linear or
// ActionCLIP-style text head. Labels are the shards' (fully supervised) or a
// teacher's predictions.h5 narrowed by finetune.labels (source-free and
// multi-source adaptation: only the teacher's predictions travel). Each step:
// the loader's single view (original or enhanced frames), cross-entropy,
// gradients averaged over ranks, AdamW with two learning rates (pretrained
// parameters / new modules), warm-up + cosine. The loop around the step
// (metrics, checkpoints, resuming, stop signals, exit codes) is the one of
// dap-pretrain (core/train/training_loop.h).
//
// Run directory: run.root/run.name/finetune/<split..-seedN>/ with config.lua,
// metrics.jsonl, loss.png, checkpoints/, pseudo_labels.csv (when used) and,
// at the end, model.pt for dap-evaluate.
#pragma once

#include <string>

#include "core/run/stage_main.h"

namespace dap {

int run_finetune(const StageContext& stage);

}  // namespace dap
