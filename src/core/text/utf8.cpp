// UTF-8 decoding after Unicode's table of well-formed byte sequences (3.9,
// Table 3-7), which is also what Python's strict and "replace" decoders follow.
#include "core/text/utf8.h"

#include <cstdint>
#include <cstdio>

#include "core/base/error.h"

namespace dap {
namespace {

// One step of decoding at `at`: a code point and its length, or, when the
// bytes there are ill-formed, the length of the maximal ill-formed subpart
// (the bytes that could still have started a valid sequence, at least one).
struct Utf8Step {
  char32_t code_point = 0;
  size_t length = 1;
  bool valid = false;
};

Utf8Step decode_step(std::string_view bytes, size_t at) {
  const auto lead = static_cast<uint8_t>(bytes[at]);
  if (lead < 0x80) return {lead, 1, true};
  size_t continuation_count = 0;
  char32_t code_point = 0;
  uint8_t low = 0x80, high = 0xBF;  // allowed range of the next continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_count = 1;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation_count = 2;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation_count = 3;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return {};
  }
  for (size_t k = 1; k <= continuation_count; ++k) {
    if (at + k >= bytes.size()) return {0, k, false};
    const auto next = static_cast<uint8_t>(bytes[at + k]);
    if (next < low || next > high) return {0, k, false};
    code_point = (code_point << 6) | (next & 0x3F);
    low = 0x80;
    high = 0xBF;
  }
  return {code_point, continuation_count + 1, true};
}

}  // namespace

std::u32string utf8_to_code_points(std::string_view text) {
  std::u32string code_points;
  code_points.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const Utf8Step step = decode_step(text, at);
    if (!step.valid) {
      char lead[8];
      std::snprintf(lead, sizeof lead, "0x%02X", static_cast<unsigned>(static_cast<uint8_t>(text[at])));
      throw InputError("text is not valid UTF-8: ill-formed sequence at byte offset " + std::to_string(at) +
                       " (byte " + lead + ", text of " + std::to_string(text.size()) +
                       " bytes); convert the text to UTF-8 first");
    }
    code_points.push_back(step.code_point);
    at += step.length;
  }
  return code_points;
}

void append_utf8(char32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

std::string code_points_to_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t code_point : code_points) append_utf8(code_point, out);
  return out;
}

std::string utf8_replace_invalid(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t at = 0; at < bytes.size();) {
    const Utf8Step step = decode_step(bytes, at);
    if (step.valid) {
      out.append(bytes.substr(at, step.length));
    } else {
      append_utf8(U'\uFFFD', out);
    }
    at += step.length;
  }
  return out;
}

}  // namespace dap
