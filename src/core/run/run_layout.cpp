#include "core/run/run_layout.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace dap {

std::string run_folder(const config::ExperimentConfig& config) {
  return (fs::path(config.run.root) / config.run.name).string();
}

std::string stage_folder(const config::ExperimentConfig& config, const std::string& stage) {
  return (fs::path(run_folder(config)) / stage).string();
}

std::string pretrain_folder(const config::ExperimentConfig& config) {
  const std::string& split = config.run.split;
  const fs::path folder = stage_folder(config, "pretrain");
  std::string tag = split.empty() ? "" : "split" + split;
  if (config.run.seed_scope == "chain") {
    tag += (tag.empty() ? "" : "-") + std::string("seed") + std::to_string(config.pretrain.seed);
  }
  return tag.empty() ? folder.string() : (folder / tag).string();
}

std::string with_seed(std::string text, int64_t seed) {
  static const std::string kPlaceholder = "{seed}";
  for (size_t at = text.find(kPlaceholder); at != std::string::npos; at = text.find(kPlaceholder, at)) {
    text.replace(at, kPlaceholder.size(), std::to_string(seed));
  }
  return text;
}

std::string teacher_predictions_file(const config::ExperimentConfig& config) {
  return with_seed(config.finetune.labels.predictions, config.pretrain.seed);
}

std::string pretrain_adapter_file(const config::ExperimentConfig& config) {
  return (fs::path(pretrain_folder(config)) / "adapter.pt").string();
}

std::string finetune_tag(const config::ExperimentConfig& config) {
  const std::string& split = config.run.split;
  return (split.empty() ? "" : "split" + split + "-") + "seed" + std::to_string(config.finetune.seed);
}

std::string finetune_folder(const config::ExperimentConfig& config) {
  return (fs::path(stage_folder(config, "finetune")) / finetune_tag(config)).string();
}

std::string finetune_model_file(const config::ExperimentConfig& config) {
  return (fs::path(finetune_folder(config)) / "model.pt").string();
}

std::string finetune_adapter_file(const config::ExperimentConfig& config) {
  const std::string& choice = config.finetune.init_adapter;
  if (choice == "none") return "";
  if (choice == "pretrain") return pretrain_adapter_file(config);
  return choice;
}

std::string evaluate_folder(const config::ExperimentConfig& config) {
  const auto& c = config.evaluate;
  if (!c.output.empty()) return with_seed(c.output, config.pretrain.seed);
  const std::string& split = config.run.split;
  const std::string tag = c.model == "zeroshot" ? "zeroshot" + (split.empty() ? "" : "-split" + split)
                                                : finetune_tag(config);
  return (fs::path(stage_folder(config, "evaluate")) / tag).string();
}

std::string results_folder(const config::ExperimentConfig& config) {
  const auto& c = config.evaluate.aggregate;
  return c.output.empty() ? stage_folder(config, "results") : c.output;
}

}  // namespace dap
