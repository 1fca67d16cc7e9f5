// dap-evaluate's gradcam task, the paper's Fig. 3: per clip, rows of sampled
// frames, brightened (enhanced) frames, and Grad-CAM before and after
// domain-adaptive pretraining; gradcam.json holds the maps. Rank 0 only.
#include "evaluate/evaluate_tasks.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <nlohmann/json.hpp>

#include <torch/torch.h>

#include "core/base/log.h"
#include "core/data/clip_selection.h"
#include "core/dist/shared_failure.h"
#include "core/io/atomic_file.h"
#include "core/io/png_image.h"
#include "core/results/plots.h"
#include "core/run/run_layout.h"
#include "evaluate/evaluated_model.h"
#include "evaluate/grad_cam.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

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

int gradcam_on_root(const StageContext& stage) {
  const auto& config = stage.config;
  const auto& c = config.evaluate;
  const ShardDataset data(clip_set_folders(c.data, config.preprocess));
  const ClipSelection selection = select_clips(data, c.data, config.run.split);
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
  const fs::path folder = evaluate_folder(config);
  create_folder(folder.string());
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
  write_text_file((folder / "gradcam.json").string(), maps.dump() + "\n");
  spdlog::info("Grad-CAM of {} clip(s) ({} model(s)) written to {}", clips, models.size(), folder.string());
  return 0;
}

}  // namespace

int run_gradcam(const StageContext& stage) {
  if (!stage.mpi.is_root()) return 0;
  return alone_on_root([&] { return gradcam_on_root(stage); });
}

}  // namespace dap
