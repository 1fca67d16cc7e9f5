// Geometry of stored frames: the size a frame is scaled to before cropping,
// rotation by the container's display matrix, and the centre crop.
#pragma once

#include <cstdint>
#include <vector>

namespace dap {

struct Size {
  int width = 0;
  int height = 0;
};

// "crop": scale preserving aspect ratio so the frame covers the target, then
// centre-crop; "stretch": scale straight to the target.
Size scaled_size(Size source, Size target, bool preserve_aspect);

// Clockwise rotation in degrees (0, 90, 180, 270) of an RGB image.
std::vector<uint8_t> rotate_rgb(const std::vector<uint8_t>& pixels, Size size, int clockwise_degrees);
Size rotated_size(Size size, int clockwise_degrees);

// Centre crop of an RGB image to `target` (which must fit).
std::vector<uint8_t> centre_crop_rgb(const std::vector<uint8_t>& pixels, Size size, Size target);

}  // namespace dap
