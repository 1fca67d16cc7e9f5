// dap-evaluate's aggregate task: mean +- std over seeds and splits of every
// evaluate/*/metrics.json below the runs, as Markdown, CSV and JSON tables,
// the fine-tuning loss curves in one figure, and an HTML report of both with
// every experiment's figures. Rank 0 only.
#include "evaluate/evaluate_tasks.h"

#include <filesystem>
#include <iostream>
#include <optional>

#include "core/base/log.h"
#include "core/dist/shared_failure.h"
#include "core/io/atomic_file.h"
#include "core/io/png_image.h"
#include "core/results/plots.h"
#include "core/run/run_layout.h"
#include "evaluate/html_report.h"
#include "evaluate/report_contents.h"
#include "evaluate/result_collection.h"
#include "evaluate/result_tables.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

std::vector<std::string> aggregated_runs(const config::ExperimentConfig& config) {
  if (!config.evaluate.aggregate.runs.empty()) return config.evaluate.aggregate.runs;
  return {run_folder(config)};
}

// Every fine-tuning loss curve below the runs: one panel per experiment (its seeds and
// splits alike), each on its own step axis, so a 1,800-step run does not squeeze a
// 100-step one into a corner (none without curves).
std::optional<RgbImage> plot_training_curves(const std::vector<std::string>& runs) {
  std::vector<RgbImage> panels;
  for (const auto& run : runs) {
    std::vector<Series> curves;
    for (const fs::path folder : stage_folders_with(run, "finetune", "metrics.jsonl")) {
      curves.push_back(read_metric_series((folder / "metrics.jsonl").string(), "step", "loss"));
      curves.back().name = fs::path(run).filename().string();
    }
    if (curves.empty()) continue;
    LinePlotOptions options;
    options.title = "fine-tuning loss: " + curves.front().name;
    options.x_label = "step";
    options.y_label = "cross-entropy";
    options.width = 640;
    options.height = 400;
    options.legend = false;  // the title names the experiment
    options.line_width = 2;
    panels.push_back(plot_lines(curves, options));
  }
  if (panels.empty()) return std::nullopt;
  const int columns = panels.size() == 1 ? 1 : 2;
  const int rows = static_cast<int>((panels.size() + columns - 1) / columns);
  return compose_grid(panels, rows, columns);
}

int aggregate_on_root(const StageContext& stage) {
  const auto& config = stage.config;
  const auto runs = aggregated_runs(config);
  const std::string output = results_folder(config);
  const auto results = collect_run_results(runs);
  const auto tables = aggregate_results(results);
  const std::string& name = config.evaluate.aggregate.name;
  write_result_tables(output, name, tables);
  const auto curves = plot_training_curves(runs);
  if (curves) write_png((fs::path(output) / (name + "_finetune_loss.png")).string(), *curves);
  HtmlReport report = gather_report(name + ": dap evaluation report", runs, tables);
  if (curves) report.overview.push_back({"fine-tuning loss of every experiment", encode_png(*curves)});
  // report.html beside the default tables; a named aggregation's report is named after it.
  const std::string page = name == "results" ? "report.html" : name + "_report.html";
  write_text_file((fs::path(output) / page).string(), render_html_report(report));
  std::cout << render_markdown(tables) << std::flush;
  spdlog::info("{} results of {} run folder(s) aggregated into {}/{}.md, .csv and .json; report {}",
               results.size(), runs.size(), output, name, page);
  return 0;
}

}  // namespace

int run_aggregate(const StageContext& stage) {
  if (!stage.mpi.is_root()) return 0;
  return alone_on_root([&] { return aggregate_on_root(stage); });
}

}  // namespace dap
