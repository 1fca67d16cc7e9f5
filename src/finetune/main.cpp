// dap-finetune: supervised fine-tuning or adaptation on pseudo-labels
// (METHOD.md 5). The stage lives in this folder (finetune_run.h).
#include "core/run/stage_main.h"
#include "finetune/finetune_run.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "finetune",
                             "Fine-tuning: train the backbone, adaptation block and a linear or CLIP text head on "
                             "labelled clips or on a teacher's pseudo-labels.",
                             dap::run_finetune);
}
