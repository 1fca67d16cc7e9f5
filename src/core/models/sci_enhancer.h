// Frame enhancement behind a torch-free interface, so that preprocessing code
// (decoding, sharding) compiles without libtorch headers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace dap {

class FrameEnhancer {
 public:
  virtual ~FrameEnhancer() = default;
  // frames: n RGB uint8 images of h x w, contiguous [n, h, w, 3]; writes the
  // enhanced frames, same layout, into out (which may not alias frames).
  virtual void enhance(const uint8_t* frames, int n, int h, int w, uint8_t* out) = 0;
  // Recorded in shard attributes: "sci", and the sha256 of the weight file.
  virtual std::string name() const = 0;
  virtual std::string weights_sha256() const = 0;
};

// SCI from an official .pt file, processing batch_size frames per forward pass,
// on CPU. Output is uint8(r * 255) truncated, as the authors save it.
std::unique_ptr<FrameEnhancer> make_sci_enhancer(const std::string& weights_path, int batch_size);

}  // namespace dap
