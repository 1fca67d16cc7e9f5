// dap-finetune: supervised fine-tuning or adaptation on pseudo-labels
// (METHOD.md 5). The stage lives in dap_train (core/train/finetune_job.h).
#include "core/stage_main.h"
#include "core/train/finetune_job.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "finetune",
                             "Fine-tuning: train the backbone, adaptation block and a linear or CLIP text head on "
                             "labelled clips or on a teacher's pseudo-labels.",
                             dap::run_finetune);
}
