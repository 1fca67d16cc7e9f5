// What dap-evaluate's HTML report shows, gathered from the aggregated run
// folders: each table row's settings against the first row's (leaf by leaf
// from the resolved config.lua beside each metrics.json), each experiment's
// fine-tuning loss and train top-1 curves, and the PNGs its evaluations wrote
// (confusion.png, Grad-CAM pictures).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "evaluate/html_report.h"

namespace dap {

// The report of `tables` over `runs`. A config or figure that cannot be read
// becomes a note in the report, not an error: the tables are what matters.
HtmlReport gather_report(const std::string& title, const std::vector<std::string>& runs,
                         const std::vector<ResultTable>& tables);

// The leaves (config_leaves) whose values differ, sorted by key, without
// evaluate.result.row (the row's own name); a leaf one side lacks is "(absent)".
std::vector<SettingDifference> setting_differences(const std::map<std::string, std::string>& reference,
                                                   const std::map<std::string, std::string>& row);

}  // namespace dap
