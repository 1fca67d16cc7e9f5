// dap-pretrain: domain-adaptive pretraining (METHOD.md 2-4). The stage lives
// in dap_train (core/train/pretrain_job.h); this file only starts it.
#include "core/stage_main.h"
#include "core/train/pretrain_job.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "pretrain",
                             "Domain-adaptive pretraining: cross-domain self-distillation of an adaptation block "
                             "on a frozen video backbone, over the HDF5 shards of dap-preprocess.",
                             dap::run_pretrain);
}
