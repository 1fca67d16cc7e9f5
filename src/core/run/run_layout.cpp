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
  return split.empty() ? folder.string() : (folder / ("split" + split)).string();
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
  if (!c.output.empty()) return c.output;
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
