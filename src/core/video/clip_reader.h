// Decodes one video file with FFmpeg and returns its sampled, resized RGB
// frames. Any container/codec FFmpeg reads; honours the display-matrix
// rotation; sorts frames by presentation time (out-of-order timestamps) and
// samples on timestamps (variable frame rate). Decode errors and corrupt
// frames make the whole video fail with an InputError that says why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dap {

struct ClipRequest {
  std::string mode = "uniform";  // uniform | fps
  int num_frames = 8;            // uniform mode
  double fps = 4.0;              // fps mode
  int max_frames = 64;           // fps mode cap
  int height = 224;
  int width = 224;
  bool preserve_aspect = true;   // true: resize to cover + centre crop; false: plain resize
  int decoder_threads = 1;
  // Decode only the sampled frames and what they reference (see needed_frames.h);
  // false: decode every frame. Both store the same frames.
  bool decode_needed = true;
};

struct SampledClip {
  int height = 0;
  int width = 0;
  std::vector<uint8_t> frames;                // [n,H,W,3] RGB
  std::vector<int32_t> source_frame_indices;  // index in presentation order of each stored frame
  float source_fps = 0.0f;
  int64_t decoded_frames = 0;
  int rotation = 0;  // clockwise degrees applied from the display matrix
  bool decoded_selectively = false;  // decode_needed took the fast path (else every frame was decoded)
  int64_t frame_count() const { return static_cast<int64_t>(source_frame_indices.size()); }
};

SampledClip read_sampled_clip(const std::string& path, const ClipRequest& request);

}  // namespace dap
