// dap-evaluate's aggregate task: mean +- std over seeds and splits of every
// evaluate/*/metrics.json below the runs, as Markdown, CSV and JSON tables,
// and the fine-tuning loss curves in one figure. Rank 0 only.
#include "evaluate/evaluate_tasks.h"

#include <filesystem>
#include <iostream>

#include "core/base/log.h"
#include "core/dist/shared_failure.h"
#include "core/io/png_image.h"
#include "core/results/plots.h"
#include "core/run/run_layout.h"
#include "evaluate/result_collection.h"
#include "evaluate/result_tables.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

std::vector<std::string> aggregated_runs(const config::ExperimentConfig& config) {
  if (!config.evaluate.aggregate.runs.empty()) return config.evaluate.aggregate.runs;
  return {run_folder(config)};
}

// Every fine-tuning loss curve below the runs, in one figure.
void plot_training_curves(const std::vector<std::string>& runs, const std::string& file) {
  std::vector<Series> curves;
  for (const auto& run : runs) {
    for (const fs::path folder : stage_folders_with(run, "finetune", "metrics.jsonl")) {
      curves.push_back(read_metric_series((folder / "metrics.jsonl").string(), "step", "loss"));
      curves.back().name = fs::path(run).filename().string();  // one colour per experiment, its seeds alike
    }
  }
  if (curves.empty()) return;
  LinePlotOptions options;
  options.title = "fine-tuning loss";
  options.x_label = "step";
  options.y_label = "cross-entropy";
  options.width = 1000;
  options.height = 600;
  write_png(file, plot_lines(curves, options));
}

int aggregate_on_root(const StageContext& stage) {
  const auto& config = stage.config;
  const auto runs = aggregated_runs(config);
  const std::string output = results_folder(config);
  const auto results = collect_run_results(runs);
  const auto tables = aggregate_results(results);
  write_result_tables(output, config.evaluate.aggregate.name, tables);
  plot_training_curves(runs, (fs::path(output) / (config.evaluate.aggregate.name + "_finetune_loss.png")).string());
  std::cout << render_markdown(tables) << std::flush;
  spdlog::info("{} results of {} run folder(s) aggregated into {}/{}.md, .csv and .json", results.size(), runs.size(),
               output, config.evaluate.aggregate.name);
  return 0;
}

}  // namespace

int run_aggregate(const StageContext& stage) {
  if (!stage.mpi.is_root()) return 0;
  return alone_on_root([&] { return aggregate_on_root(stage); });
}

}  // namespace dap
