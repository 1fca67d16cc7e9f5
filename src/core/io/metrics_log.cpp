#include "core/io/metrics_log.h"

#include <filesystem>
#include <vector>

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/io/disk_space.h"

namespace dap {

MetricsLog::MetricsLog(const std::string& path, int64_t keep_through_step) : path_(path) {
  std::vector<std::string> kept;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_object() && parsed.value("step", int64_t{0}) <= keep_through_step) kept.push_back(line);
    }
  }
  // The kept lines replace the old file whole, so a kill here loses nothing.
  std::string text;
  for (const auto& line : kept) text += line + '\n';
  write_text_file(path, text);
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot write metrics file '" + path + "'");
}

void MetricsLog::write(const nlohmann::ordered_json& line) {
  out_ << line.dump() << '\n';
  out_.flush();
  if (out_) return;
  // A line cut short is dropped when the file is read back (a resumed run rewrites it).
  const int space = out_of_space_errno(std::filesystem::path(path_).parent_path().string());
  if (space != 0) throw out_of_space_error(path_, space);
  throw Error("writing metrics file '" + path_ + "' failed");
}

}  // namespace dap
