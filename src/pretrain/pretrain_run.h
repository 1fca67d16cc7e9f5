// dap-pretrain: domain-adaptive pretraining by cross-domain self-distillation
// (METHOD.md 2-4) on any number of MPI ranks.
//
// Each step: the loader hands this rank its part of the global batch as the
// four views; the frozen backbone turns o, e, m (one pass) and l into layer
// features once; the teacher (EMA) adapter and head score {o, e, m}, the
// student {o, e, m, l}; the DINO loss is backpropagated; gradients are
// averaged over ranks (NCCL on CUDA, MPI otherwise), clipped per parameter,
// the last head layer is frozen during the first epoch(s); AdamW steps; the
// centre and the teacher follow. Rank 0 writes metrics.jsonl and checkpoints.
//
// Run directory: run.root/run.name/pretrain/ with config.lua, metrics.jsonl,
// checkpoints/step_<N>.pt and, at the end, adapter.pt (the teacher's adapter,
// and its backbone when the encoder was trained) for dap-finetune.
//
// Exit codes (core/base/exit_codes.h): 0 done; 2 config error; 3 unusable
// input; 4 non-finite loss (the log names the step and the last good
// checkpoint); 75 stopped by SIGTERM/SIGUSR1 after saving a checkpoint (run
// again to continue).
#pragma once

#include <string>

#include "core/run/stage_main.h"

namespace dap {

int run_pretrain(const StageContext& stage);

}  // namespace dap
