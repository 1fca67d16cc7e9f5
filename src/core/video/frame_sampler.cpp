#include "core/video/frame_sampler.h"

#include <algorithm>
#include <cmath>

namespace dap {

std::vector<int32_t> select_uniform(int64_t frame_count, int num_frames) {
  std::vector<int32_t> indices;
  if (frame_count <= 0 || num_frames <= 0) return indices;
  for (int i = 0; i < num_frames; ++i) {
    // Integer arithmetic: floor((i + 0.5) * F / N) without rounding surprises.
    const int64_t index = ((2 * static_cast<int64_t>(i) + 1) * frame_count) / (2 * static_cast<int64_t>(num_frames));
    indices.push_back(static_cast<int32_t>(std::min(index, frame_count - 1)));
  }
  return indices;
}

std::vector<int32_t> select_at_fps(const std::vector<double>& times, double fps, int max_frames) {
  std::vector<int32_t> indices;
  if (times.empty() || fps <= 0 || max_frames <= 0) return indices;
  const double start = times.front();
  const double end = times.back();
  size_t current = 0;
  for (int k = 0; k < max_frames; ++k) {
    // Small tolerance so a frame stamped at exactly k/fps is not missed to rounding.
    const double target = start + k / fps + 1e-9;
    if (target > end + 1e-6 && k > 0) break;
    while (current + 1 < times.size() && times[current + 1] <= target) ++current;
    indices.push_back(static_cast<int32_t>(current));
  }
  return indices;
}

}  // namespace dap
