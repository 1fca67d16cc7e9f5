#include "evaluate/result_collection.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/base/error.h"

namespace fs = std::filesystem;

namespace dap {

nlohmann::ordered_json result_label(const std::string& table, const std::string& row, const std::string& column,
                                    const std::string& seed_or_split, const std::string& seed_scope) {
  return {{"table", table},
          {"row", row},
          {"column", column},
          {"seed_or_split", seed_or_split},
          {"seed_scope", seed_scope}};
}

std::vector<RunResult> run_results_from_metrics(const nlohmann::json& metrics, const std::string& config_path,
                                                const std::string& source) {
  const auto number = [&](const char* key) {
    if (!metrics.contains(key)) throw BadInputError(source + ": no \"" + std::string(key) + "\"");
    // null (no labelled video) stays NaN, which the tables show as such.
    return metrics[key].is_number() ? metrics[key].get<double>() : std::nan("");
  };
  if (!metrics.contains("result") || !metrics["result"].is_object()) {
    throw BadInputError(source + ": no \"result\" entry (was it written by dap-evaluate's predict task?)");
  }
  const auto& label = metrics["result"];
  RunResult base;
  try {
    base.table = label.at("table").get<std::string>();
    base.row = label.at("row").get<std::string>();
    base.column = label.at("column").get<std::string>();
    base.seed_or_split = label.at("seed_or_split").get<std::string>();
    base.seed_scope = label.value("seed_scope", std::string("finetune"));
  } catch (const nlohmann::json::exception& e) {
    throw BadInputError(source + ": bad \"result\" entry: " + e.what());
  }
  base.config_path = config_path;
  std::vector<RunResult> out;
  if (!base.column.empty()) {
    base.value = number("top1");
    out.push_back(base);
    return out;
  }
  for (const auto& [column, key] : {std::pair<const char*, const char*>{"Top-1", "top1"}, {"Top-5", "top5"}}) {
    RunResult r = base;
    r.column = column;
    r.value = number(key);
    out.push_back(r);
  }
  return out;
}

std::vector<std::string> stage_folders_with(const std::string& run, const std::string& stage, const std::string& file) {
  std::vector<std::string> folders;
  const fs::path parent = fs::path(run) / stage;
  if (!fs::is_directory(parent)) return folders;
  for (const auto& entry : fs::directory_iterator(parent)) {
    if (fs::is_regular_file(entry.path() / file)) folders.push_back(entry.path().string());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

std::vector<RunResult> collect_run_results(const std::vector<std::string>& run_folders) {
  std::vector<RunResult> all;
  std::string searched;
  for (const auto& run : run_folders) {
    searched += (searched.empty() ? "" : ", ") + (fs::path(run) / "evaluate").string();
    for (const fs::path folder : stage_folders_with(run, "evaluate", "metrics.json")) {
      const std::string file = (folder / "metrics.json").string();
      std::ifstream in(file);
      nlohmann::json metrics;
      try {
        in >> metrics;
      } catch (const nlohmann::json::exception& e) {
        throw BadInputError(file + ": not valid JSON: " + e.what());
      }
      for (auto& r : run_results_from_metrics(metrics, (folder / "config.lua").string(), file)) all.push_back(r);
    }
  }
  if (all.empty()) throw BadInputError("no evaluate/*/metrics.json found in " + searched);
  return all;
}

}  // namespace dap
