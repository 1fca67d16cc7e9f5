#include "core/base/progress.h"

#include <cmath>
#include <cstdio>

#include "core/base/log.h"

namespace dap {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%ldh%02ldm", total / 3600, (total % 3600) / 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof(text), "%ldm%02lds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof(text), "%lds", total);
  }
  return text;
}

ProgressReporter::ProgressReporter(std::string what, int64_t total, double interval_seconds)
    : what_(std::move(what)), total_(total), interval_(interval_seconds) {}

double ProgressReporter::elapsed_seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void ProgressReporter::update(int64_t done, int64_t frames, bool force) {
  const auto now = Clock::now();
  if (!force && std::chrono::duration<double>(now - last_).count() < interval_) return;
  last_ = now;
  const double elapsed = elapsed_seconds();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : NAN;
  spdlog::info("{} {}/{} ({:.1f}%) | {:.2f} {}/s, {:.1f} frames/s | elapsed {} | ETA {}", what_, done, total_,
               total_ > 0 ? 100.0 * done / total_ : 100.0, rate, what_, elapsed > 0 ? frames / elapsed : 0.0,
               format_duration(elapsed), format_duration(eta));
}

}  // namespace dap
