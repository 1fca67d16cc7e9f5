// Where a stage's time goes: wall-clock totals per phase over this process's
// work, kept only when DAP_PHASE_TIMES=1 (then dap-preprocess logs one
// "phase times" line per rank). Off, a scope costs a branch on a cached flag.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dap::phase_times {

enum Phase { kDemux, kDecode, kConvert, kEnhance, kWrite, kPhaseCount };
enum Count { kVideos, kDecodedFrames, kStoredFrames, kCountCount };

bool enabled();
void add(Phase phase, double seconds);
void count(Count what, int64_t n);
// One JSON object: seconds per phase and the counts.
std::string summary_json();

// Adds the time from construction to destruction to `phase`.
class Scope {
 public:
  explicit Scope(Phase phase) : phase_(phase), on_(enabled()) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~Scope() {
    if (on_) add(phase_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Phase phase_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dap::phase_times
