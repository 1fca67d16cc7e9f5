#include "evaluate/report_contents.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/config/config_leaves.h"
#include "core/io/png_image.h"
#include "core/results/plots.h"
#include "evaluate/result_collection.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

// Grad-CAM pictures shown per evaluate folder: enough to see, few enough to keep the file small.
constexpr size_t kGradCamPictures = 8;

std::string folder_name(const std::string& path) {
  fs::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // "runs/x/"
  return p.filename().string();
}

std::optional<std::vector<uint8_t>> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

// Each config.lua is loaded once; a broken one is remembered with its error.
class ConfigLeaves {
 public:
  const std::map<std::string, std::string>* of(const std::string& path, std::string* problem) {
    auto it = leaves_.find(path);
    if (it == leaves_.end()) {
      Entry entry;
      try {
        entry.leaves = config::config_leaves(config::load_config(path).root);
      } catch (const std::exception& e) {
        entry.problem = "cannot read the config " + path + ": " + e.what();
      }
      it = leaves_.emplace(path, std::move(entry)).first;
    }
    *problem = it->second.problem;
    return it->second.problem.empty() ? &it->second.leaves : nullptr;
  }

 private:
  struct Entry {
    std::map<std::string, std::string> leaves;
    std::string problem;
  };
  std::map<std::string, Entry> leaves_;
};

// The config of a row's first run (the "Avg" column has none of its own).
std::string first_config(const ResultTable& table, const std::string& row) {
  for (const auto& cell : table.cells) {
    if (cell.row == row && cell.column != kAverageColumn && !cell.configs.empty()) return cell.configs.front();
  }
  return "";
}

std::vector<RowSettings> row_settings(const ResultTable& table, ConfigLeaves& configs) {
  std::vector<RowSettings> rows(table.rows.size());
  if (rows.empty()) return rows;
  std::string reference_problem;
  const auto* reference = configs.of(first_config(table, table.rows[0]), &reference_problem);
  for (size_t r = 1; r < rows.size(); ++r) {
    std::string problem;
    const auto* leaves = configs.of(first_config(table, table.rows[r]), &problem);
    if (!reference) {
      rows[r].problem = reference_problem;
    } else if (!leaves) {
      rows[r].problem = problem;
    } else {
      rows[r].differences = setting_differences(*reference, *leaves);
    }
  }
  return rows;
}

// One line per fine-tuning run of the experiment (named by its folder, e.g. split1-seed0).
std::optional<ReportImage> curves(const std::string& run, const std::string& key, const std::string& title,
                                  const std::string& y_label) {
  std::vector<Series> series;
  for (const fs::path folder : stage_folders_with(run, "finetune", "metrics.jsonl")) {
    series.push_back(read_metric_series((folder / "metrics.jsonl").string(), "step", key));
    series.back().name = folder.filename().string();
    if (series.back().x.empty()) series.pop_back();
  }
  if (series.empty()) return std::nullopt;
  LinePlotOptions options;
  options.title = title;
  options.x_label = "step";
  options.y_label = y_label;
  return ReportImage{title, encode_png(plot_lines(series, options))};
}

void add_file(ReportSection& section, const fs::path& file, const std::string& caption) {
  auto bytes = read_bytes(file);
  if (!bytes) {
    section.notes.push_back("cannot read " + file.string());
    return;
  }
  section.images.push_back({caption, std::move(*bytes)});
}

// The pictures gradcam.json lists, in its order (the clips' order).
void add_grad_cam(ReportSection& section, const fs::path& folder) {
  const fs::path list = folder / "gradcam.json";
  nlohmann::json maps;
  try {
    std::ifstream in(list);
    in >> maps;
  } catch (const nlohmann::json::exception& e) {
    section.notes.push_back("cannot read " + list.string() + ": " + e.what());
    return;
  }
  if (!maps.is_array()) return;
  const std::string tag = folder.filename().string();
  for (size_t i = 0; i < std::min(maps.size(), kGradCamPictures); ++i) {
    if (!maps[i].contains("png") || !maps[i]["png"].is_string()) continue;
    const std::string id = maps[i].contains("id") && maps[i]["id"].is_string() ? maps[i]["id"].get<std::string>() : "";
    add_file(section, folder / maps[i]["png"].get<std::string>(), tag + ": Grad-CAM of clip " + id);
  }
  if (maps.size() > kGradCamPictures) {
    section.notes.push_back(tag + ": the first " + std::to_string(kGradCamPictures) + " of " +
                            std::to_string(maps.size()) + " Grad-CAM pictures are shown; all are in " +
                            folder.string());
  }
}

ReportSection experiment(const std::string& run) {
  ReportSection section;
  section.title = folder_name(run);
  section.notes.push_back("run folder: " + run);
  const std::string name = section.title;
  if (auto image = curves(run, "loss", name + ": fine-tuning loss", "loss")) section.images.push_back(*image);
  if (auto image = curves(run, "train_top1", name + ": fine-tuning train top-1", "train top-1 (%)")) {
    section.images.push_back(*image);
  }
  std::vector<fs::path> evaluated;
  const fs::path parent = fs::path(run) / "evaluate";
  if (fs::is_directory(parent)) {
    for (const auto& entry : fs::directory_iterator(parent)) {
      if (entry.is_directory()) evaluated.push_back(entry.path());
    }
  }
  std::sort(evaluated.begin(), evaluated.end());
  for (const auto& folder : evaluated) {
    if (fs::is_regular_file(folder / "confusion.png")) {
      add_file(section, folder / "confusion.png", folder.filename().string() + ": confusion matrix");
    }
    if (fs::is_regular_file(folder / "gradcam.json")) add_grad_cam(section, folder);
  }
  if (section.images.empty()) section.notes.push_back("no fine-tuning curves or evaluation figures in this folder");
  return section;
}

}  // namespace

std::vector<SettingDifference> setting_differences(const std::map<std::string, std::string>& reference,
                                                   const std::map<std::string, std::string>& row) {
  static const std::string absent = "(absent)";
  std::vector<SettingDifference> differences;
  const auto consider = [&](const std::string& key) {
    if (key == "evaluate.result.row") return;
    const auto in_reference = reference.find(key);
    const auto in_row = row.find(key);
    const std::string& was = in_reference == reference.end() ? absent : in_reference->second;
    const std::string& is = in_row == row.end() ? absent : in_row->second;
    if (was != is) differences.push_back({key, is, was});
  };
  std::set<std::string> keys;
  for (const auto& [key, value] : reference) keys.insert(key);
  for (const auto& [key, value] : row) keys.insert(key);
  for (const auto& key : keys) consider(key);
  return differences;
}

HtmlReport gather_report(const std::string& title, const std::vector<std::string>& runs,
                         const std::vector<ResultTable>& tables) {
  HtmlReport report;
  report.title = title;
  report.runs = runs;
  report.tables = tables;
  ConfigLeaves configs;
  for (const auto& table : tables) report.settings.push_back(row_settings(table, configs));
  for (const auto& run : runs) report.experiments.push_back(experiment(run));
  return report;
}

}  // namespace dap
