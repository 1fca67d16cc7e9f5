// metrics.jsonl: one JSON object per line, written by rank 0 and flushed per
// line so a killed job keeps every line it wrote. On resume the lines after
// the checkpoint's step are dropped, so each step appears once.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace dap {

class MetricsLog {
 public:
  // Keeps the existing lines whose "step" is <= keep_through_step, then appends.
  MetricsLog(const std::string& path, int64_t keep_through_step);
  void write(const nlohmann::ordered_json& line);

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace dap
