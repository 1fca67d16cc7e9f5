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
//           each row's configs, plus the fine-tuning loss curves in one figure.
// gradcam   The paper's Fig. 3: per clip, rows of sampled frames, brightened
//           (enhanced) frames, Grad-CAM before and after domain-adaptive
//           pretraining; gradcam.json holds the maps.
#pragma once

#include <string>

#include "core/stage_main.h"

namespace dap {

int run_evaluate(const StageContext& stage);

// Where predict and gradcam write: evaluate.output, or run.root/run.name/evaluate/<tag>.
std::string evaluate_output_folder(const config::ExperimentConfig& config);

}  // namespace dap
