// dap-pretrain: domain-adaptive pretraining (METHOD.md 2-4). The stage lives
// in this folder (pretrain_run.h); this file only starts it.
#include "core/run/stage_main.h"
#include "pretrain/pretrain_run.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "pretrain",
                             "Domain-adaptive pretraining: cross-domain self-distillation of an adaptation block "
                             "on a frozen video backbone, over the HDF5 shards of dap-preprocess.",
                             dap::run_pretrain);
}
