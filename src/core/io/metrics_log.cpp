#include "core/io/metrics_log.h"

#include <filesystem>
#include <vector>

#include "core/base/error.h"

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
  {  // the kept lines go to a temporary file that replaces the old one, so a kill here loses nothing
    const std::string temporary = path + ".tmp";
    std::ofstream rewrite(temporary, std::ios::trunc);
    for (const auto& line : kept) rewrite << line << '\n';
    rewrite.close();
    if (!rewrite) throw Error("cannot write metrics file '" + temporary + "'");
    std::filesystem::rename(temporary, path);
  }
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot write metrics file '" + path + "'");
}

void MetricsLog::write(const nlohmann::ordered_json& line) {
  out_ << line.dump() << '\n';
  out_.flush();
  if (!out_) throw Error("writing metrics file '" + path_ + "' failed");
}

}  // namespace dap
