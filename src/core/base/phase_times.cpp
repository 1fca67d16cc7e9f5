#include "core/base/phase_times.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/base/log.h"

namespace dap::phase_times {
namespace {

std::mutex mutex;
double seconds[kPhaseCount] = {};
int64_t counts[kCountCount] = {};

}  // namespace

bool enabled() {
  static const bool on = [] {
    const char* value = std::getenv("DAP_PHASE_TIMES");
    return value && std::strcmp(value, "") != 0 && std::strcmp(value, "0") != 0;
  }();
  return on;
}

void add(Phase phase, double s) {
  std::lock_guard<std::mutex> lock(mutex);
  seconds[phase] += s;
}

void count(Count what, int64_t n) {
  if (!enabled()) return;
  std::lock_guard<std::mutex> lock(mutex);
  counts[what] += n;
}

std::string summary_json() {
  std::lock_guard<std::mutex> lock(mutex);
  return fmt::format(
      "{{\"demux\": {:.4f}, \"decode\": {:.4f}, \"convert\": {:.4f}, \"enhance\": {:.4f}, \"write\": {:.4f}, "
      "\"videos\": {}, \"decoded_frames\": {}, \"stored_frames\": {}}}",
      seconds[kDemux], seconds[kDecode], seconds[kConvert], seconds[kEnhance], seconds[kWrite], counts[kVideos],
      counts[kDecodedFrames], counts[kStoredFrames]);
}

}  // namespace dap::phase_times
