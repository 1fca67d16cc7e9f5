// The model dap-evaluate scores, and the fixed evaluation view: this run's
// fine-tuned model.pt, another model.pt, or CLIP zero-shot (evaluate.model).
#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "core/config/experiment_config.h"
#include "core/data/clip_views.h"
#include "core/data/shard_dataset.h"
#include "core/models/video_classifier.h"

namespace dap {

bool zero_shot(const config::EvaluateConfig& c);

// The evaluated model and what to call it in the outputs.
struct EvaluatedModel {
  VideoClassifier model{nullptr};
  std::vector<std::string> class_names;
  std::string description;
  std::string file;  // the model.pt; empty for zero-shot
};

// Loads the model evaluate.model names (or builds the zero-shot one).
// InputError when its classes differ from the shards'.
EvaluatedModel load_model(const config::ExperimentConfig& config, const ShardDataset& data);

// Class scores of `clips` [B, T, 3, H, W]: the classifier's, or CLIP zero-shot's.
torch::Tensor scores_of(EvaluatedModel& m, const torch::Tensor& clips, bool zero_shot_scores);

// Evaluation frames: the segment centres, no randomness.
ViewSettings evaluation_views(const config::ExperimentConfig& config);

// One clip's single view as a [1, T, 3, size, size] tensor.
torch::Tensor clip_tensor(const ClipViews& views, const ViewSettings& s);

}  // namespace dap
