// dap-evaluate's HTML report of an aggregation: the result tables with, per
// row, the settings that differ from the first row, then per experiment its
// figures (training curves, confusion matrices, Grad-CAM). One self-contained
// file: figures are data: URIs, the CSS is inline, no script, nothing fetched,
// so it opens offline after being copied off a cluster.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evaluate/result_tables.h"

namespace dap {

struct ReportImage {
  std::string caption;
  std::vector<uint8_t> png;  // the bytes of a PNG file
};

// One setting of a row's config that differs from the first row's.
struct SettingDifference {
  std::string key;        // dotted path, e.g. "finetune.init_adapter"
  std::string value;      // this row's value as a Lua literal, "(absent)" when missing
  std::string reference;  // the first row's
};

struct RowSettings {
  std::vector<SettingDifference> differences;
  std::string problem;  // non-empty when a config could not be read: shown instead
};

// One run folder: its figures, and notes (e.g. a figure that could not be read).
struct ReportSection {
  std::string title;
  std::vector<std::string> notes;
  std::vector<ReportImage> images;
};

struct HtmlReport {
  std::string title;
  std::vector<std::string> runs;                // the aggregated run folders
  std::vector<ResultTable> tables;
  std::vector<std::vector<RowSettings>> settings;  // [table][row], rows in table.rows order
  std::vector<ReportImage> overview;            // figures over every experiment
  std::vector<ReportSection> experiments;
};

// The page: HTML5, UTF-8, every text escaped.
std::string render_html_report(const HtmlReport& report);

// &, <, >, " and ' as entities.
std::string html_escape(const std::string& text);

}  // namespace dap
