// Encodes RGB frames into a video file with FFmpeg (libavformat/libavcodec),
// for generated data sets (tools/dap_synth). The container follows the file
// name (.mkv, .mp4, .avi); the codec is H.264 (libx264, constant quality) when
// FFmpeg has it, else MPEG-4 Part 2. Frames are converted to YUV 4:2:0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dap {

class VideoWriter {
 public:
  // width and height must be even (YUV 4:2:0). quality: x264's CRF (lower is better).
  VideoWriter(const std::string& path, int width, int height, int fps, int quality = 18);
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // One frame, RGB uint8 [height, width, 3].
  void write(const std::vector<uint8_t>& rgb);
  // Flushes the encoder and writes the trailer; the destructor calls it if needed.
  void close();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace dap
