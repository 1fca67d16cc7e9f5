// Finding the results of many runs for the tables: every
// <run>/evaluate/<name>/metrics.json that dap-evaluate's predict task wrote
// names its table, row, column and seed/split, and holds Top-1 and Top-5.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluate/result_tables.h"

namespace dap {

// The "result" entry of metrics.json. An empty column means two columns, "Top-1"
// and "Top-5"; seed_scope is run.seed_scope (metrics.json without it: "finetune").
nlohmann::ordered_json result_label(const std::string& table, const std::string& row, const std::string& column,
                                    const std::string& seed_or_split, const std::string& seed_scope = "finetune");

// One RunResult per reported number of `metrics` (a parsed metrics.json) whose
// resolved config lies at `config_path`. InputError naming `source` when keys are missing.
std::vector<RunResult> run_results_from_metrics(const nlohmann::json& metrics, const std::string& config_path,
                                                const std::string& source);

// The folders <run>/<stage>/* that hold `file`, sorted by name (none when <run>/<stage> is missing).
std::vector<std::string> stage_folders_with(const std::string& run, const std::string& stage, const std::string& file);

// The results of every evaluate/*/metrics.json below each run folder, folders
// in the given order and names sorted. No result at all: InputError naming the folders.
std::vector<RunResult> collect_run_results(const std::vector<std::string>& run_folders);

}  // namespace dap
