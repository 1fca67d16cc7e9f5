// dap-evaluate: predictions, metrics, result tables and Grad-CAM pictures
// (evaluate.task). The stage lives in dap_train (core/train/evaluate_job.h).
#include "core/stage_main.h"
#include "core/train/evaluate_job.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "evaluate",
                             "Evaluation: predict (predictions.h5, Top-1/Top-5, confusion matrix), aggregate (mean "
                             "+- std tables over seeds and splits) or gradcam (Fig. 3-style pictures).",
                             dap::run_evaluate);
}
