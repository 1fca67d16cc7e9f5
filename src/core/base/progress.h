// Progress lines that read well in a Slurm log: one line every few seconds,
// "videos 120/3784 (3.2%) | 4.1 videos/s, 32.8 frames/s | ETA 15m02s".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dap {

std::string format_duration(double seconds);

class ProgressReporter {
 public:
  ProgressReporter(std::string what, int64_t total, double interval_seconds);
  // Logs when the interval has passed since the last line (or force is set).
  void update(int64_t done, int64_t frames, bool force = false);
  double elapsed_seconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_;
  int64_t total_;
  double interval_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
};

}  // namespace dap
