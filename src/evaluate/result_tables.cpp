#include "evaluate/result_tables.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/io/csv.h"
#include "core/io/disk_space.h"

namespace dap {
namespace {

std::string two_decimals(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// Markdown cells cannot hold a bare '|'.
std::string markdown_text(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

template <class T>
std::string joined(const std::vector<T>& items, std::string (*format)(const T&)) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? ";" : "") + format(items[i]);
  return text;
}

void finish_cell(ResultCell& cell) {
  cell.n = static_cast<int64_t>(cell.values.size());
  double sum = 0;
  for (double v : cell.values) sum += v;
  cell.mean = sum / cell.n;
  double squares = 0;
  for (double v : cell.values) squares += (v - cell.mean) * (v - cell.mean);
  cell.std_dev = cell.n > 1 ? std::sqrt(squares / (cell.n - 1)) : 0.0;
}

// The paper's "Avg" column (Table 3, SFVDA): in a table of two or more task
// columns (not Top-1 / Top-5), a row's average over its columns, per seed or
// split that every column of the row has; its mean and std are over those.
void add_average_column(ResultTable& table) {
  std::vector<std::string> tasks;
  for (const auto& column : table.columns) {
    if (column != "Top-1" && column != "Top-5" && column != kAverageColumn) tasks.push_back(column);
  }
  if (tasks.size() < 2) return;
  bool added = false;
  for (const auto& row : table.rows) {
    std::vector<const ResultCell*> cells;
    for (const auto& column : tasks) {
      if (const ResultCell* cell = table.find(row, column)) cells.push_back(cell);
    }
    if (cells.size() != tasks.size()) continue;
    ResultCell average;
    average.row = row;
    average.column = kAverageColumn;
    for (size_t i = 0; i < cells[0]->values.size(); ++i) {
      const std::string& seed = cells[0]->seeds_or_splits[i];
      double sum = 0;
      size_t found = 0;
      for (const ResultCell* cell : cells) {
        const auto& seeds = cell->seeds_or_splits;
        const auto at = std::find(seeds.begin(), seeds.end(), seed);
        if (at == seeds.end()) break;
        sum += cell->values[static_cast<size_t>(at - seeds.begin())];
        ++found;
      }
      if (found != cells.size()) continue;
      average.values.push_back(sum / static_cast<double>(cells.size()));
      average.seeds_or_splits.push_back(seed);
      average.configs.push_back("average over " + std::to_string(cells.size()) + " columns");
    }
    if (average.values.empty()) continue;
    finish_cell(average);
    table.cells.push_back(average);
    added = true;
  }
  if (added) table.columns.push_back(kAverageColumn);
}

// Writes path.tmp; the caller renames it once every file of the set is written.
std::string write_temporary(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::ofstream out(temporary, std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    // Asked before the removal frees the space.
    const int space = out_of_space_errno(std::filesystem::path(path).parent_path().string());
    std::remove(temporary.c_str());
    if (space != 0) throw out_of_space_error(path, space);
    throw Error("cannot write results file '" + temporary + "'");
  }
  return temporary;
}

// What the seeds of the table's rows varied (run.seed_scope), so a reader
// knows whether the std covers pretraining and pseudo-labels too.
std::string seed_scope_note(const ResultTable& table) {
  std::map<std::string, std::vector<std::string>> rows_of;
  for (const auto& row : table.rows) {
    for (const auto& cell : table.cells) {
      if (cell.row != row || cell.column == kAverageColumn) continue;
      rows_of[cell.seed_scope].push_back(row);
      break;
    }
  }
  const auto meaning = [](const std::string& scope) {
    return scope == "chain" ? std::string("the whole chain (pretraining, pseudo-label teacher, fine-tuning)")
                            : std::string("fine-tuning only");
  };
  if (rows_of.size() == 1) return "Seeds varied " + meaning(rows_of.begin()->first) + ".\n";
  std::string note = "Seeds varied";
  bool first = true;
  for (const auto& [scope, rows] : rows_of) {
    note += (first ? " " : "; ") + meaning(scope) + " in";
    first = false;
    for (size_t i = 0; i < rows.size(); ++i) note += (i ? ", " : " ") + markdown_text(rows[i]);
  }
  return note + ".\n";
}

}  // namespace

const ResultCell* ResultTable::find(const std::string& row, const std::string& column) const {
  for (const auto& cell : cells) {
    if (cell.row == row && cell.column == column) return &cell;
  }
  return nullptr;
}

std::vector<ResultTable> aggregate_results(const std::vector<RunResult>& runs) {
  std::vector<ResultTable> tables;
  std::map<std::string, size_t> table_index;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> cell_index;
  auto add_once = [](std::vector<std::string>& names, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& run : runs) {
    auto [it, added] = table_index.emplace(run.table, tables.size());
    if (added) {
      tables.emplace_back();
      tables.back().name = run.table;
    }
    ResultTable& table = tables[it->second];
    add_once(table.rows, run.row);
    add_once(table.columns, run.column);
    auto [cell_it, cell_added] = cell_index.emplace(std::make_tuple(run.table, run.row, run.column), table.cells.size());
    if (cell_added) {
      ResultCell cell;
      cell.row = run.row;
      cell.column = run.column;
      cell.seed_scope = run.seed_scope;
      table.cells.push_back(cell);
    }
    ResultCell& cell = table.cells[cell_it->second];
    cell.values.push_back(run.value);
    cell.seeds_or_splits.push_back(run.seed_or_split);
    cell.configs.push_back(run.config_path);
  }
  for (auto& table : tables) {
    for (auto& cell : table.cells) finish_cell(cell);
    add_average_column(table);
  }
  return tables;
}

std::string render_markdown(const std::vector<ResultTable>& tables) {
  std::string md;
  for (const auto& table : tables) {
    std::set<int64_t> counts;
    for (const auto& cell : table.cells) counts.insert(cell.n);
    const bool uneven = counts.size() > 1;
    md += (md.empty() ? "" : "\n") + std::string("## ") + table.name + "\n\n|";
    for (const auto& column : table.columns) md += " | " + markdown_text(column);
    md += " |\n| ---";
    for (size_t i = 0; i < table.columns.size(); ++i) md += " | ---:";
    md += " |\n";
    for (const auto& row : table.rows) {
      md += "| " + markdown_text(row);
      for (const auto& column : table.columns) {
        const ResultCell* cell = table.find(row, column);
        if (!cell) {
          md += " | -";
          continue;
        }
        md += " | " + two_decimals(cell->mean) + " ± " + two_decimals(cell->std_dev);
        if (uneven) md += " (n=" + std::to_string(cell->n) + ")";
      }
      md += " |\n";
    }
    md += "\n";
    if (!uneven && !counts.empty()) {
      md += "Mean ± sample std over n = " + std::to_string(*counts.begin()) + " run(s) per cell. ";
    }
    md += seed_scope_note(table);
  }
  return md;
}

std::string render_csv(const std::vector<ResultTable>& tables) {
  std::string csv = "table,row,column,mean,std,n,values,configs\n";
  for (const auto& table : tables) {
    for (const auto& row : table.rows) {
      for (const auto& column : table.columns) {
        const ResultCell* cell = table.find(row, column);
        if (!cell) continue;
        csv += csv_field(table.name) + "," + csv_field(row) + "," + csv_field(column) + "," +
               shortest_decimal(cell->mean) + "," + shortest_decimal(cell->std_dev) + "," +
               std::to_string(cell->n) + "," +
               csv_field(joined<double>(cell->values, [](const double& v) { return shortest_decimal(v); })) + "," +
               csv_field(joined<std::string>(cell->configs, [](const std::string& c) { return c; })) + "\n";
      }
    }
  }
  return csv;
}

nlohmann::ordered_json render_json(const std::vector<ResultTable>& tables) {
  nlohmann::ordered_json root{{"tables", nlohmann::ordered_json::object()}};
  for (const auto& table : tables) {
    nlohmann::ordered_json& out_table = root["tables"][table.name] = nlohmann::ordered_json::object();
    for (const auto& row : table.rows) {
      for (const auto& column : table.columns) {
        const ResultCell* cell = table.find(row, column);
        if (!cell) continue;
        nlohmann::ordered_json runs = nlohmann::ordered_json::array();
        for (size_t i = 0; i < cell->values.size(); ++i) {
          runs.push_back({{"seed_or_split", cell->seeds_or_splits[i]}, {"value", cell->values[i]},
                          {"config", cell->configs[i]}});
        }
        out_table[row][column] = {{"mean", cell->mean}, {"std", cell->std_dev}, {"n", cell->n},
                                  {"values", cell->values}, {"runs", runs}};
      }
    }
  }
  return root;
}

void write_result_tables(const std::string& directory, const std::string& name,
                         const std::vector<ResultTable>& tables) {
  create_folder(directory);
  std::error_code failed;
  const std::string stem = (std::filesystem::path(directory) / name).string();
  const std::vector<std::pair<std::string, std::string>> files = {
      {stem + ".md", render_markdown(tables)},
      {stem + ".csv", render_csv(tables)},
      {stem + ".json", render_json(tables).dump(2) + "\n"}};
  // All three temporaries first, then the renames: a failure leaves the old set whole.
  std::vector<std::string> temporaries;
  try {
    for (const auto& [path, text] : files) temporaries.push_back(write_temporary(path, text));
  } catch (const Error&) {
    for (const auto& temporary : temporaries) std::remove(temporary.c_str());
    throw;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::filesystem::rename(temporaries[i], files[i].first, failed);
    if (failed) throw Error("cannot write results file '" + files[i].first + "': " + failed.message());
  }
}

}  // namespace dap
