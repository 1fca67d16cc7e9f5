// Which decoded frames a clip keeps. Pure functions over frame timestamps, so
// they are tested without video files.
#pragma once

#include <cstdint>
#include <vector>

namespace dap {

// N frames spread uniformly: the centre of each of N equal segments
// (deterministic, as evaluation needs). Fewer than N decoded frames repeat.
std::vector<int32_t> select_uniform(int64_t frame_count, int num_frames);

// One frame every 1/fps seconds from the first timestamp, at most max_frames:
// at each target time the frame on screen (latest timestamp <= target).
// `times` are presentation times in seconds, sorted ascending. Handles
// variable frame rate because it works on timestamps, not indices.
std::vector<int32_t> select_at_fps(const std::vector<double>& times, double fps, int max_frames);

}  // namespace dap
