// dap-evaluate: predictions, metrics, result tables and Grad-CAM pictures
// (evaluate.task). The stage lives in this folder (evaluate_tasks.h).
#include "core/run/stage_main.h"
#include "evaluate/evaluate_tasks.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "evaluate",
                             "Evaluation: predict (predictions.h5, Top-1/Top-5, confusion matrix), aggregate (mean "
                             "+- std tables over seeds and splits) or gradcam (Fig. 3-style pictures).",
                             dap::run_evaluate);
}
