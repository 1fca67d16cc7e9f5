#include "core/io/base64.h"

namespace dap {

std::string base64_encode(const void* data, std::size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* bytes = static_cast<const uint8_t*>(data);
  std::string text;
  text.reserve((size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {
    // Three bytes (zero-filled past the end) make four 6-bit digits.
    const uint32_t group = uint32_t{bytes[i]} << 16 | (i + 1 < size ? uint32_t{bytes[i + 1]} << 8 : 0) |
                           (i + 2 < size ? uint32_t{bytes[i + 2]} : 0);
    text += kAlphabet[group >> 18 & 63];
    text += kAlphabet[group >> 12 & 63];
    text += i + 1 < size ? kAlphabet[group >> 6 & 63] : '=';
    text += i + 2 < size ? kAlphabet[group & 63] : '=';
  }
  return text;
}

}  // namespace dap
