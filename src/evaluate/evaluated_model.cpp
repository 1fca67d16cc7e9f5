#include "evaluate/evaluated_model.h"

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/run/run_layout.h"
#include "core/train/training_setup.h"

namespace dap {
namespace {

std::string model_file(const config::ExperimentConfig& config) {
  return config.evaluate.model == "finetune" ? finetune_model_file(config) : config.evaluate.model;
}

}  // namespace

bool zero_shot(const config::EvaluateConfig& c) { return c.model == "zeroshot"; }

EvaluatedModel load_model(const config::ExperimentConfig& config, const ShardDataset& data) {
  EvaluatedModel out;
  if (zero_shot(config.evaluate)) {
    out.class_names = data.class_names();
    out.model = build_video_classifier(config, out.class_names, "", config.finetune.seed).model;
    out.model->eval();
    out.description = "CLIP zero-shot: " +
                      (config.pretrain.backbone.weights.empty() ? "random backbone" : config.pretrain.backbone.weights);
  } else {
    const std::string file = model_file(config);
    TrainedClassifier trained = read_trained_classifier(config, file);
    out.model = trained.model;
    out.class_names = trained.class_names;
    out.description = file;
    out.file = file;
  }
  if (out.class_names != data.class_names()) {
    throw InputError("the model's " + std::to_string(out.class_names.size()) +
                     " classes differ from the classes of the evaluation shards " + data.folders().front());
  }
  return out;
}

torch::Tensor scores_of(EvaluatedModel& m, const torch::Tensor& clips, bool zero_shot_scores) {
  return zero_shot_scores ? m.model->zero_shot(clips) : m.model->forward(clips);
}

ViewSettings evaluation_views(const config::ExperimentConfig& config) {
  ViewSettings s = view_settings(config.pretrain.views, config.finetune.input);
  s.jitter = false;
  return s;
}

torch::Tensor clip_tensor(const ClipViews& views, const ViewSettings& s) {
  return torch::from_blob(const_cast<float*>(views.original.data()), {1, s.num_frames, 3, s.size, s.size},
                          torch::kFloat)
      .clone();
}

}  // namespace dap
