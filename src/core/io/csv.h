// The small CSV dialect dap reads and writes (manifests, pseudo-label lists,
// result tables): comma-separated, fields with a comma, quote or line break
// double-quoted, quotes inside doubled.
#pragma once

#include <string>
#include <vector>

namespace dap {

// One line into fields; "" inside a quoted field is one quote, a bare \r is dropped.
std::vector<std::string> split_csv_line(const std::string& line);

// `text` as one field: unchanged, or quoted when it holds , " \r or \n.
std::string csv_field(const std::string& text);

// The shortest decimal text that reads back as the same double ("72", "0.1").
std::string shortest_decimal(double value);

}  // namespace dap
