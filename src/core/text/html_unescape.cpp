// html.unescape from Python 3.11 (Lib/html/__init__.py), rewritten over code
// points: the regex there, &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?),
// becomes a hand-written scan at each '&'.
#include "core/text/html_unescape.h"

#include <algorithm>
#include <cstdint>

#include "core/text/html_entities.h"

namespace dap {
namespace {

constexpr char32_t kReplacement = U'\uFFFD';
constexpr uint32_t kPastUnicode = 0x110000;  // numbers are clamped here while parsing

// windows-1252 meanings of the numeric references 0x80-0x9F (HTML5; Python's
// _invalid_charrefs). Five have no windows-1252 meaning and stay themselves.
constexpr char32_t kWindows1252[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  //
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,    //
    0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  //
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

// Python's _invalid_codepoints: numeric references to these give nothing.
bool is_dropped_code_point(uint32_t n) {
  return (n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) || (n >= 0x7F && n <= 0x9F) ||
         (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE;
}

// Python's _replace_charref for a numeric reference with value n.
void append_numeric_reference(uint32_t n, std::u32string& out) {
  if (n == 0) {
    out.push_back(kReplacement);
  } else if (n >= 0x80 && n <= 0x9F) {
    out.push_back(kWindows1252[n - 0x80]);
  } else if ((n >= 0xD800 && n <= 0xDFFF) || n >= kPastUnicode) {
    out.push_back(kReplacement);
  } else if (!is_dropped_code_point(n)) {
    out.push_back(n);  // includes 0x0D, which Python maps to '\r' anyway
  }
}

int digit_value(char32_t c, int base) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (base == 16 && c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (base == 16 && c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

// At text[at] == '&': if a reference starts here, appends its replacement and
// returns its length; returns 0 when the regex would not match here.
size_t replace_reference(std::u32string_view text, size_t at, std::u32string& out) {
  size_t end = at + 1;
  if (end < text.size() && text[end] == '#') {
    ++end;
    int base = 10;
    if (end < text.size() && (text[end] == 'x' || text[end] == 'X')) {
      base = 16;
      ++end;
    }
    const size_t digits_begin = end;
    uint32_t value = 0;
    for (; end < text.size() && digit_value(text[end], base) >= 0; ++end) {
      value = value * base + digit_value(text[end], base);
      if (value >= kPastUnicode) value = kPastUnicode;  // all such numbers mean U+FFFD
    }
    if (end == digits_begin) return 0;  // "&#" or "&#x" without digits is left alone
    if (end < text.size() && text[end] == ';') ++end;
    append_numeric_reference(value, out);
    return end - at;
  }

  // A name: 1 to 32 code points other than \t \n \f space < & # ;, then an optional ';'.
  constexpr std::u32string_view kNameStops = U"\t\n\f <&#;";
  while (end < text.size() && end - (at + 1) < 32 && kNameStops.find(text[end]) == std::u32string_view::npos) ++end;
  if (end == at + 1) return 0;
  if (end < text.size() && text[end] == ';') ++end;
  const std::u32string_view name = text.substr(at + 1, end - (at + 1));

  // Entity names are ASCII, so only the ASCII start of `name` can match.
  std::string ascii;
  for (char32_t c : name) {
    if (c >= 0x80) break;
    ascii.push_back(static_cast<char>(c));
  }
  auto append_entity = [&out](const HtmlEntity& entity) {
    out.push_back(entity.first);
    if (entity.second != 0) out.push_back(entity.second);
  };
  if (ascii.size() == name.size()) {
    if (const HtmlEntity* entity = find_html_entity(ascii)) {
      append_entity(*entity);
      return end - at;
    }
  }
  // Else the longest known prefix of at least 2 characters (only legacy names
  // without ';' can match a proper prefix); the rest is kept.
  for (size_t length = std::min(name.size() - 1, ascii.size()); length >= 2; --length) {
    if (const HtmlEntity* entity = find_html_entity(std::string_view(ascii).substr(0, length))) {
      append_entity(*entity);
      out.append(name.substr(length));
      return end - at;
    }
  }
  out.push_back('&');
  out.append(name);
  return end - at;
}

}  // namespace

std::u32string html_unescape(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    if (text[at] == '&') {
      if (const size_t consumed = replace_reference(text, at, out)) {
        at += consumed;
        continue;
      }
    }
    out.push_back(text[at++]);
  }
  return out;
}

}  // namespace dap
