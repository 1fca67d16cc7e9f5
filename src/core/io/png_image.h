// 8-bit RGB PNG files (libpng): golden images in tests, debug dumps of frames,
// figures (also in memory, to embed in an HTML report).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dap {

// Row-major, 3 bytes (R, G, B) per pixel, no padding: pixels.size() == width * height * 3.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

// Reads any PNG and converts it to RGB8: palette and gray are expanded,
// 16-bit samples are scaled to 8 bits, alpha is dropped (not composited).
// Throws InputError naming the file.
RgbImage read_png(const std::string& path);

// Writes an 8-bit RGB PNG. Throws Error naming the file.
void write_png(const std::string& path, const RgbImage& image);

// The bytes of the PNG file write_png would write (for embedding). Throws Error.
std::vector<uint8_t> encode_png(const RgbImage& image);

}  // namespace dap
