// dap-evaluate's predict task: the model's scores on evaluate.data, clips split
// over the ranks, gathered on rank 0 into predictions.h5, metrics.json and
// confusion.png.
#include "evaluate/evaluate_tasks.h"

#include <algorithm>
#include <filesystem>

#include <torch/torch.h>

#include "core/base/log.h"
#include "core/data/clip_selection.h"
#include "core/dist/mpi_context.h"
#include "core/dist/shared_failure.h"
#include "core/io/atomic_file.h"
#include "core/io/png_image.h"
#include "core/results/classification_metrics.h"
#include "core/results/plots.h"
#include "core/results/predictions_file.h"
#include "core/run/run_layout.h"
#include "core/train/training_setup.h"
#include "evaluate/evaluated_model.h"
#include "evaluate/result_collection.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

// predictions.h5, confusion.png and metrics.json from every rank's scores (rank 0).
void write_results(const StageContext& stage, const EvaluatedModel& model, const ClipSelection& selection,
                   const ShardDataset& data, const std::vector<std::string>& gathered, int64_t classes) {
  const auto& config = stage.config;
  const auto& c = config.evaluate;
  Predictions p;
  p.class_names = model.class_names;
  p.config = stage.resolved_config;
  p.model = model.description;
  p.scores.resize(selection.clips.size() * classes);
  for (const auto& part : gathered) {
    const auto json = nlohmann::json::parse(part);
    const auto pos = json["positions"].get<std::vector<int64_t>>();
    const auto scores = json["scores"].get<std::vector<float>>();
    for (size_t i = 0; i < pos.size(); ++i) {
      std::copy_n(scores.begin() + i * classes, classes, p.scores.begin() + pos[i] * classes);
    }
  }
  for (int64_t clip : selection.clips) {
    p.video_ids.push_back(data.record(clip).id);
    p.labels.push_back(data.record(clip).label);
  }
  const fs::path folder = evaluate_folder(config);
  create_folder(folder.string());
  // metrics.json, what aggregation collects, goes last: present, it says that the other files
  // are this run's and complete. An older one is removed first, so that a write that fails
  // (a full disk) never leaves it beside a newer predictions.h5 or without its figure.
  const fs::path metrics_file = folder / "metrics.json";
  std::error_code ignored;
  fs::remove(metrics_file, ignored);
  write_text_file((folder / "config.lua").string(), stage.resolved_config);
  write_predictions((folder / "predictions.h5").string(), p);
  const ClassificationMetrics metrics = compute_classification_metrics(p);
  ConfusionOptions figure;
  figure.class_names = p.class_names;
  figure.title = fmt::format("{} {}: top-1 {:.1f}% on {} clips", config.run.name, folder.filename().string(),
                             metrics.top1, metrics.count);
  write_png((folder / "confusion.png").string(), plot_confusion_matrix(metrics.confusion, classes, figure));
  nlohmann::ordered_json json;
  json["result"] = result_label(c.result.table, c.result.row, c.result.column, folder.filename().string(),
                                config.run.seed_scope);
  json["model"] = model.description;
  const nlohmann::ordered_json metric_values = metrics_to_json(metrics, p.class_names);
  for (const auto& item : metric_values.items()) json[item.key()] = item.value();
  write_text_file(metrics_file.string(), json.dump(2) + "\n");
  spdlog::info("{} labelled clips: top-1 {:.2f}%, top-{} {:.2f}%, mean class accuracy {:.2f}%; written to {}",
               metrics.count, metrics.top1, metrics.top_k, metrics.top5, metrics.mean_class_accuracy,
               folder.string());
}

}  // namespace

int run_predict(const StageContext& stage) {
  const auto& config = stage.config;
  const auto& c = config.evaluate;
  const bool root = stage.mpi.is_root();
  const torch::Device device = training_device(c.device, stage.mpi);
  const ShardDataset data(clip_set_folders(c.data, config.preprocess));
  const ClipSelection selection = select_clips(data, c.data, config.run.split);
  EvaluatedModel model = load_model(config, data);
  model.model->to(device);
  const ViewSettings settings = evaluation_views(config);
  const ClipViewBuilder builder(data, settings);
  const auto classes = static_cast<int64_t>(model.class_names.size());
  if (root) {
    spdlog::info("predicting {} clips of {} with {} on {} rank(s)", selection.clips.size(), data.folders().front(),
                 model.description, stage.mpi.size());
  }

  // Rank r scores positions r, r + R, ... of the selection.
  std::vector<int64_t> positions;
  for (size_t i = stage.mpi.rank(); i < selection.clips.size(); i += stage.mpi.size()) positions.push_back(i);
  std::vector<float> local_scores;
  torch::NoGradGuard no_grad;
  for (size_t first = 0; first < positions.size(); first += c.batch) {
    std::vector<torch::Tensor> clips;
    for (size_t i = first; i < std::min(positions.size(), first + c.batch); ++i) {
      clips.push_back(clip_tensor(builder.build(selection.clips[positions[i]], 0), settings));
    }
    const torch::Tensor scores =
        scores_of(model, torch::cat(clips).to(device), zero_shot(c)).to(torch::kCPU).contiguous();
    const float* begin = scores.data_ptr<float>();
    local_scores.insert(local_scores.end(), begin, begin + scores.numel());
  }
  const auto gathered = gather_strings(nlohmann::json({{"positions", positions}, {"scores", local_scores}}).dump());
  // Rank 0 writes; the others wait to learn whether the results fitted on the disk.
  write_on_root(root, [&] { write_results(stage, model, selection, data, gathered, classes); });
  return 0;
}

}  // namespace dap
