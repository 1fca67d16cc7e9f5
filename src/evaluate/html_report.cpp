#include "evaluate/html_report.h"

#include <cstdio>
#include <set>

#include "core/io/base64.h"
#include "dap/version.h"

namespace dap {
namespace {

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.5em; }
table.results { border-collapse: collapse; margin: 0.5em 0; }
table.results th, table.results td { border: 1px solid #bbb; padding: 0.3em 0.6em; vertical-align: top; }
table.results th { background: #f0f0f0; }
td.number { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.settings { font-size: 0.85em; max-width: 40em; overflow-wrap: anywhere; }
td.settings ul { margin: 0; padding-left: 1.2em; }
.was, .note { color: #666; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; max-width: 100%; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #444; }
code { font-family: "DejaVu Sans Mono", monospace; }
)";

std::string two_decimals(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// Width and height from a PNG's IHDR (bytes 16-23, big-endian); 0 when it is no PNG.
std::pair<int, int> png_size(const std::vector<uint8_t>& png) {
  if (png.size() < 24 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') return {0, 0};
  const auto word = [&](size_t at) {
    return static_cast<int>(uint32_t{png[at]} << 24 | uint32_t{png[at + 1]} << 16 | uint32_t{png[at + 2]} << 8 |
                            uint32_t{png[at + 3]});
  };
  return {word(16), word(20)};
}

std::string figure(const ReportImage& image) {
  const auto [width, height] = png_size(image.png);
  std::string html = "<figure><img alt=\"" + html_escape(image.caption) + "\"";
  // The size up front keeps the layout steady while images decode.
  if (width > 0) {
    html += " width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) + "\"";
  }
  html += " src=\"data:image/png;base64," + base64_encode(image.png) + "\"><figcaption>" +
          html_escape(image.caption) + "</figcaption></figure>\n";
  return html;
}

std::string settings_cell(const RowSettings& settings, bool first_row) {
  if (first_row) return "<td class=\"settings note\">(the reference row)</td>";
  if (!settings.problem.empty()) return "<td class=\"settings note\">" + html_escape(settings.problem) + "</td>";
  if (settings.differences.empty()) return "<td class=\"settings note\">(none)</td>";
  std::string html = "<td class=\"settings\"><ul>";
  for (const auto& d : settings.differences) {
    html += "<li><code>" + html_escape(d.key) + " = " + html_escape(d.value) + "</code> <span class=\"was\">(first row: " +
            html_escape(d.reference) + ")</span></li>";
  }
  return html + "</ul></td>";
}

std::string table_html(const ResultTable& table, const std::vector<RowSettings>& settings) {
  std::set<int64_t> counts;
  for (const auto& cell : table.cells) counts.insert(cell.n);
  const bool uneven = counts.size() > 1;
  std::string html = "<h3>" + html_escape(table.name) + "</h3>\n<table class=\"results\">\n<tr><th>row</th>";
  for (const auto& column : table.columns) html += "<th>" + html_escape(column) + "</th>";
  html += "<th>settings that differ from the first row</th></tr>\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& row = table.rows[r];
    html += "<tr><th>" + html_escape(row) + "</th>";
    for (const auto& column : table.columns) {
      const ResultCell* cell = table.find(row, column);
      if (!cell) {
        html += "<td class=\"number\">-</td>";
        continue;
      }
      html += "<td class=\"number\">" + two_decimals(cell->mean) + " &plusmn; " + two_decimals(cell->std_dev);
      if (uneven) html += " (n=" + std::to_string(cell->n) + ")";
      html += "</td>";
    }
    html += settings_cell(r < settings.size() ? settings[r] : RowSettings{}, r == 0) + "</tr>\n";
  }
  html += "</table>\n";
  if (!uneven && !counts.empty()) {
    html += "<p class=\"note\">Mean &plusmn; sample std over n = " + std::to_string(*counts.begin()) +
            " run(s) per cell. Settings: each row's first run against the first row's first run.</p>\n";
  }
  return html;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html_report(const HtmlReport& report) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                     html_escape(report.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + html_escape(report.title) + "</h1>\n<p class=\"note\">Written by " + html_escape(kProducer) +
          " (dap-evaluate, evaluate.task = \"aggregate\") over " + std::to_string(report.runs.size()) +
          " run folder(s):</p>\n<ul>\n";
  for (const auto& run : report.runs) html += "<li><code>" + html_escape(run) + "</code></li>\n";
  html += "</ul>\n<h2>Tables</h2>\n";
  for (size_t t = 0; t < report.tables.size(); ++t) {
    html += table_html(report.tables[t], t < report.settings.size() ? report.settings[t] : std::vector<RowSettings>{});
  }
  if (!report.overview.empty()) {
    html += "<h2>Every experiment</h2>\n";
    for (const auto& image : report.overview) html += figure(image);
  }
  for (const auto& section : report.experiments) {
    html += "<h2>Experiment " + html_escape(section.title) + "</h2>\n";
    for (const auto& note : section.notes) html += "<p class=\"note\">" + html_escape(note) + "</p>\n";
    for (const auto& image : section.images) html += figure(image);
  }
  return html + "</body>\n</html>\n";
}

}  // namespace dap
