// Results tables as the paper prints them: runs (one value per seed or split)
// are grouped by (table, row, column) into mean ± sample std, and rendered as
// Markdown for people, CSV for spreadsheets and JSON (every run's value and
// config) for scripts. Rows, columns and tables keep their first-appearance order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dap {

struct RunResult {
  std::string table;          // e.g. "Table 2: ARID"
  std::string row;            // e.g. "CLIP ViT-B/16 + DAP"
  std::string column;         // e.g. "Top-1", or a split / domain
  std::string seed_or_split;  // e.g. "seed 3" or "split1"
  double value = 0;
  std::string config_path;    // the resolved config of that run
  std::string seed_scope = "finetune";  // run.seed_scope: what its seed varied
};

// One cell: the runs of one (table, row, column), in input order.
struct ResultCell {
  std::string row, column;
  std::string seed_scope;  // of its first run
  double mean = 0;
  double std_dev = 0;  // sample standard deviation (n - 1); 0 when n == 1
  int64_t n = 0;
  std::vector<double> values;
  std::vector<std::string> seeds_or_splits;
  std::vector<std::string> configs;
};

struct ResultTable {
  std::string name;
  std::vector<std::string> rows;     // first-appearance order
  std::vector<std::string> columns;  // first-appearance order
  std::vector<ResultCell> cells;     // only the (row, column) pairs that have runs
  const ResultCell* find(const std::string& row, const std::string& column) const;  // nullptr when empty
};

// The column a table of two or more task columns gets (the paper's "Avg").
inline constexpr const char* kAverageColumn = "Avg";

// Groups `runs` into tables. A table with two or more task columns (not Top-1 /
// Top-5, e.g. Table 3's K600->A11, MIT->A11, H51->A11) gets a last column
// kAverageColumn: per row, the mean over its columns of each seed or split that
// all of them have, then mean +- std over those seeds.
std::vector<ResultTable> aggregate_results(const std::vector<RunResult>& runs);

// One "## <table>" section per table; cells "mean ± std" with 2 decimals, "-"
// where a cell has no run; each cell gets " (n=k)" when n differs between the
// cells of a table, otherwise one line below the table states n.
std::string render_markdown(const std::vector<ResultTable>& tables);
// Header table,row,column,mean,std,n,values,configs; values and configs are
// ';'-joined inside their field; numbers in shortest round-trip form.
std::string render_csv(const std::vector<ResultTable>& tables);
// {"tables": {table: {row: {column: {"mean","std","n","values",
//   "runs": [{"seed_or_split","value","config"}]}}}}}, keys in first-appearance order.
nlohmann::ordered_json render_json(const std::vector<ResultTable>& tables);

// Writes <directory>/<name>.md, .csv and .json (all three as .tmp first, then renamed),
// creating the directory. Throws Error naming the file.
void write_result_tables(const std::string& directory, const std::string& name,
                         const std::vector<ResultTable>& tables);

}  // namespace dap
