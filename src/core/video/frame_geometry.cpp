#include "core/video/frame_geometry.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/base/error.h"

namespace dap {

Size scaled_size(Size source, Size target, bool preserve_aspect) {
  if (!preserve_aspect) return target;
  const double scale = std::max(static_cast<double>(target.width) / source.width,
                                static_cast<double>(target.height) / source.height);
  // Round, but never below the target (the crop must fit).
  return {std::max(target.width, static_cast<int>(std::lround(source.width * scale))),
          std::max(target.height, static_cast<int>(std::lround(source.height * scale)))};
}

Size rotated_size(Size size, int clockwise_degrees) {
  return (clockwise_degrees == 90 || clockwise_degrees == 270) ? Size{size.height, size.width} : size;
}

std::vector<uint8_t> rotate_rgb(const std::vector<uint8_t>& pixels, Size size, int clockwise_degrees) {
  if (clockwise_degrees == 0) return pixels;
  if (clockwise_degrees != 90 && clockwise_degrees != 180 && clockwise_degrees != 270) {
    throw Error("rotate_rgb: unsupported rotation " + std::to_string(clockwise_degrees));
  }
  const Size out_size = rotated_size(size, clockwise_degrees);
  std::vector<uint8_t> out(pixels.size());
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      int ox = 0, oy = 0;
      if (clockwise_degrees == 90) {
        ox = size.height - 1 - y;
        oy = x;
      } else if (clockwise_degrees == 180) {
        ox = size.width - 1 - x;
        oy = size.height - 1 - y;
      } else {
        ox = y;
        oy = size.width - 1 - x;
      }
      std::memcpy(&out[(static_cast<size_t>(oy) * out_size.width + ox) * 3],
                  &pixels[(static_cast<size_t>(y) * size.width + x) * 3], 3);
    }
  }
  return out;
}

std::vector<uint8_t> centre_crop_rgb(const std::vector<uint8_t>& pixels, Size size, Size target) {
  if (target.width > size.width || target.height > size.height) throw Error("centre_crop_rgb: crop larger than image");
  if (target.width == size.width && target.height == size.height) return pixels;
  const int left = (size.width - target.width) / 2;
  const int top = (size.height - target.height) / 2;
  std::vector<uint8_t> out(static_cast<size_t>(target.width) * target.height * 3);
  for (int y = 0; y < target.height; ++y) {
    std::memcpy(&out[static_cast<size_t>(y) * target.width * 3],
                &pixels[(static_cast<size_t>(top + y) * size.width + left) * 3], static_cast<size_t>(target.width) * 3);
  }
  return out;
}

}  // namespace dap
