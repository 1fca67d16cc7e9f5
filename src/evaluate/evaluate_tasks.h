// dap-evaluate: the tasks after fine-tuning (evaluate.task).
//
// predict   Scores of a model (this run's fine-tuned model, another model.pt,
//           or CLIP zero-shot) on evaluate.data, clips split over the ranks,
//           frames at the segment centres. Writes predictions.h5 (the
//           pseudo-label source of adaptation runs), metrics.json (Top-1,
//           Top-5, per class, confusion, and where the result goes in the
//           tables), confusion.png and config.lua.
// aggregate Mean +- std over seeds and splits of every evaluate/*/metrics.json
//           of evaluate.aggregate.runs: tables as Markdown, CSV and JSON with
//           each row's configs, plus the fine-tuning loss curves in one figure
//           and <name>.html, a self-contained report (html_report.h).
// gradcam   The paper's Fig. 3: per clip, rows of sampled frames, brightened
//           (enhanced) frames, Grad-CAM before and after domain-adaptive
//           pretraining; gradcam.json holds the maps.
#pragma once

#include "core/run/stage_main.h"

namespace dap {

// The stage: runs the task of evaluate.task. Outputs go to evaluate_folder()
// and results_folder() (core/run/run_layout.h).
int run_evaluate(const StageContext& stage);

int run_predict(const StageContext& stage);    // predict_task.cpp
int run_aggregate(const StageContext& stage);  // aggregate_task.cpp
int run_gradcam(const StageContext& stage);    // gradcam_task.cpp

}  // namespace dap
