#include "core/train/evaluate_job.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <torch/torch.h>

#include "core/blas_threads.h"
#include "core/config/config_binding.h"
#include "core/data/clip_selection.h"
#include "core/data/clip_views.h"
#include "core/error.h"
#include "core/eval/classification_metrics.h"
#include "core/eval/plots.h"
#include "core/eval/predictions_file.h"
#include "core/eval/result_collection.h"
#include "core/eval/result_tables.h"
#include "core/io/png_image.h"
#include "core/log.h"
#include "core/models/sci_enhancer.h"  // set_torch_threads
#include "core/train/finetune_job.h"
#include "core/train/grad_cam.h"
#include "core/train/training_setup.h"
#include "core/train/video_classifier.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

bool zero_shot(const config::EvaluateConfig& c) { return c.model == "zeroshot"; }

std::string model_file(const config::ExperimentConfig& config) {
  if (config.evaluate.model == "finetune") return (fs::path(finetune_run_folder(config)) / "model.pt").string();
  return config.evaluate.model;
}

// The evaluated model and what to call it in the outputs.
struct EvaluatedModel {
  VideoClassifier model{nullptr};
  std::vector<std::string> class_names;
  std::string description;
};

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

// Evaluation frames: the segment centres, no randomness.
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

// ---------------------------------------------------------------- predict

int predict(const StageContext& stage) {
  const auto& config = stage.config;
  const auto& c = config.evaluate;
  const bool root = stage.mpi.is_root();
  const torch::Device device = training_device(c.device, stage.mpi);
  const ShardDataset data(clip_set_folders(c.data, config.preprocess));
  const ClipSelection selection = select_clips(data, c.data, config.finetune.split);
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
  if (!root) return 0;

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
  const fs::path folder = evaluate_output_folder(config);
  fs::create_directories(folder);
  std::ofstream(folder / "config.lua") << stage.resolved_config;
  write_predictions((folder / "predictions.h5").string(), p);
  const ClassificationMetrics metrics = compute_classification_metrics(p);
  nlohmann::ordered_json json;
  json["result"] = result_label(c.result.table, c.result.row, c.result.column, folder.filename().string());
  json["model"] = model.description;
  const nlohmann::ordered_json metric_values = metrics_to_json(metrics, p.class_names);
  for (const auto& item : metric_values.items()) json[item.key()] = item.value();
  std::ofstream(folder / "metrics.json") << json.dump(2) << "\n";
  write_png((folder / "confusion.png").string(), plot_confusion_matrix(metrics.confusion, classes));
  spdlog::info("{} labelled clips: top-1 {:.2f}%, top-{} {:.2f}%, mean class accuracy {:.2f}%; written to {}",
               metrics.count, metrics.top1, metrics.top_k, metrics.top5, metrics.mean_class_accuracy,
               folder.string());
  return 0;
}

// ---------------------------------------------------------------- aggregate

std::vector<std::string> aggregated_runs(const config::ExperimentConfig& config) {
  if (!config.evaluate.aggregate.runs.empty()) return config.evaluate.aggregate.runs;
  return {(fs::path(config.run.root) / config.run.name).string()};
}

// Every fine-tuning loss curve below the runs, in one figure.
void plot_training_curves(const std::vector<std::string>& runs, const std::string& file) {
  std::vector<Series> curves;
  for (const auto& run : runs) {
    for (const fs::path folder : stage_folders_with(run, "finetune", "metrics.jsonl")) {
      curves.push_back(read_metric_series((folder / "metrics.jsonl").string(), "step", "loss"));
      curves.back().name = fs::path(run).filename().string() + " " + folder.filename().string();
    }
  }
  if (curves.empty()) return;
  LinePlotOptions options;
  options.title = "fine-tuning loss";
  options.x_label = "step";
  options.y_label = "cross-entropy";
  options.legend = curves.size() <= 12;
  write_png(file, plot_lines(curves, options));
}

int aggregate(const StageContext& stage) {
  if (!stage.mpi.is_root()) return 0;
  const auto& config = stage.config;
  const auto runs = aggregated_runs(config);
  const std::string output = config.evaluate.aggregate.output.empty()
                                 ? (fs::path(config.run.root) / config.run.name / "results").string()
                                 : config.evaluate.aggregate.output;
  const auto results = collect_run_results(runs);
  const auto tables = aggregate_results(results);
  write_result_tables(output, config.evaluate.aggregate.name, tables);
  plot_training_curves(runs, (fs::path(output) / (config.evaluate.aggregate.name + "_finetune_loss.png")).string());
  std::cout << render_markdown(tables) << std::flush;
  spdlog::info("{} results of {} run folder(s) aggregated into {}/{}.md, .csv and .json", results.size(), runs.size(),
               output, config.evaluate.aggregate.name);
  return 0;
}

// ---------------------------------------------------------------- gradcam

RgbImage frame_image(const std::vector<uint8_t>& frames, int index, int height, int width) {
  RgbImage image;
  image.width = width;
  image.height = height;
  const size_t size = static_cast<size_t>(height) * width * 3;
  image.pixels.assign(frames.begin() + index * size, frames.begin() + (index + 1) * size);
  return image;
}

std::string file_safe(std::string text) {
  for (char& ch : text) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '_';
  }
  return text;
}

int gradcam(const StageContext& stage) {
  if (!stage.mpi.is_root()) return 0;
  const auto& config = stage.config;
  const auto& c = config.evaluate;
  const ShardDataset data(clip_set_folders(c.data, config.preprocess));
  const ClipSelection selection = select_clips(data, c.data, config.finetune.split);
  EvaluatedModel after = load_model(config, data);
  std::vector<std::pair<std::string, VideoClassifier>> models;
  if (!c.gradcam.before.empty()) {
    config::ExperimentConfig before_config = config;
    before_config.evaluate.model = c.gradcam.before;
    models.emplace_back("before DAP", load_model(before_config, data).model);
  }
  models.emplace_back("after DAP", after.model);

  const ViewSettings settings = evaluation_views(config);
  const ClipViewBuilder builder(data, settings);
  const fs::path folder = evaluate_output_folder(config);
  fs::create_directories(folder);
  nlohmann::ordered_json maps = nlohmann::ordered_json::array();
  const int shown = std::min(c.gradcam.frames, settings.num_frames);
  const size_t clips = std::min<size_t>(c.gradcam.clips, selection.clips.size());
  for (size_t k = 0; k < clips; ++k) {
    const int64_t clip = selection.clips[k];
    const ClipViews views = builder.build(clip, 0);
    const torch::Tensor input = clip_tensor(views, settings);
    int64_t target = data.record(clip).label;
    if (target < 0) {
      torch::NoGradGuard no_grad;
      target = after.model->forward(input).argmax(1).item<int64_t>();
    }
    // Frames shown: evenly spread over the view's T frames.
    std::vector<int> shown_frames, stored_frames;
    for (int i = 0; i < shown; ++i) {
      shown_frames.push_back(static_cast<int>((2 * i + 1) * settings.num_frames / (2 * shown)));
      stored_frames.push_back(views.frames[shown_frames.back()]);
    }
    const auto original = data.read_frames(clip, stored_frames, false);
    const auto enhanced = data.read_frames(clip, stored_frames, true);
    std::vector<RgbImage> tiles;
    for (int i = 0; i < shown; ++i) tiles.push_back(frame_image(original, i, data.height(), data.width()));
    for (int i = 0; i < shown; ++i) tiles.push_back(frame_image(enhanced, i, data.height(), data.width()));
    GridOptions grid;
    grid.row_labels = {"frames", "brightened"};
    nlohmann::ordered_json entry = {{"id", data.record(clip).id}, {"label", data.record(clip).label},
                                    {"target_class", target}, {"frames", shown_frames}};
    for (auto& [name, model] : models) {
      const torch::Tensor cam = grad_cam(model, input, target, c.gradcam.block).contiguous();  // [T, g, g]
      const int64_t g = cam.size(1);
      for (int i = 0; i < shown; ++i) {
        const torch::Tensor map = cam[shown_frames[i]].contiguous();
        const std::vector<float> values(map.data_ptr<float>(), map.data_ptr<float>() + map.numel());
        tiles.push_back(overlay_heat_map(frame_image(enhanced, i, data.height(), data.width()), values,
                                         static_cast<int>(g), static_cast<int>(g)));
      }
      grid.row_labels.push_back(name);
      const std::vector<float> all(cam.data_ptr<float>(), cam.data_ptr<float>() + cam.numel());
      entry[name] = {{"grid", g}, {"cam", all}};
    }
    const std::string file = "gradcam_" + std::to_string(k) + "_" + file_safe(data.record(clip).id) + ".png";
    write_png((folder / file).string(), compose_grid(tiles, static_cast<int>(grid.row_labels.size()), shown, grid));
    entry["png"] = file;
    maps.push_back(entry);
  }
  std::ofstream(folder / "gradcam.json") << maps.dump() << "\n";
  spdlog::info("Grad-CAM of {} clip(s) ({} model(s)) written to {}", clips, models.size(), folder.string());
  return 0;
}

}  // namespace

std::string evaluate_output_folder(const config::ExperimentConfig& config) {
  if (!config.evaluate.output.empty()) return config.evaluate.output;
  const std::string split = config.finetune.split.empty() ? "" : "-split" + config.finetune.split;
  const std::string tag = zero_shot(config.evaluate) ? "zeroshot" + split : config.finetune.tag();
  return (fs::path(config.run.root) / config.run.name / "evaluate" / tag).string();
}

int run_evaluate(const StageContext& stage) {
  const auto& c = stage.config.evaluate;
  const auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(config::format_config_error(stage.tree.origin_of(key), key, what));
  };
  if (zero_shot(c)) {
    const auto& backbone = stage.config.pretrain.backbone;
    const auto& head = stage.config.finetune.head;
    if (backbone.kind != "clip_vit" || head.kind != "text") {
      fail("evaluate.model", "zeroshot needs pretrain.backbone.kind = \"clip_vit\" and finetune.head.kind = \"text\"");
    }
    if (backbone.clip.output_dim != head.text.encoder.embed_dim) {
      fail("finetune.head.text.encoder.embed_dim",
           "must equal pretrain.backbone.clip.output_dim (" + std::to_string(backbone.clip.output_dim) +
               ") for zero-shot matching");
    }
  }
  if (c.task == "gradcam" && zero_shot(c)) fail("evaluate.model", "gradcam needs a fine-tuned model, not zeroshot");
  set_torch_threads(c.threads.intra_op);
  set_openblas_threads(c.threads.openblas);
  if (c.task == "aggregate") return aggregate(stage);
  if (c.task == "gradcam") return gradcam(stage);
  return predict(stage);
}

}  // namespace dap
