#include "core/results/plot_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <ft2build.h>
#include FT_FREETYPE_H

#include <spdlog/spdlog.h>

#include "core/base/error.h"

namespace dap {
namespace {

// 5x7 glyphs: 7 rows top to bottom, bit 4 = leftmost column.
struct Glyph {
  char c;
  uint8_t rows[7];
};
constexpr Glyph kFont[] = {
    {' ', {0, 0, 0, 0, 0, 0, 0}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'A', {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}}, {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}}, {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}}, {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}}, {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}}, {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}}, {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}}, {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}}, {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}}, {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}}, {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}}, {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}}, {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}}, {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {'.', {0, 0, 0, 0, 0, 0x0C, 0x0C}},                {'-', {0, 0, 0, 0x1F, 0, 0, 0}},
    {'+', {0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0}},       {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {':', {0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0}},          {'/', {0, 0x01, 0x02, 0x04, 0x08, 0x10, 0}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}}, {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'=', {0, 0, 0x1F, 0, 0x1F, 0, 0}},                {'_', {0, 0, 0, 0, 0, 0, 0x1F}},
    {',', {0, 0, 0, 0, 0x0C, 0x04, 0x08}},             {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0, 0x04}},
};

const Glyph& glyph_of(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (const auto& g : kFont) {
    if (g.c == c) return g;
  }
  return glyph_of('?');
}

// Unicode code points of UTF-8 text; a malformed byte becomes U+FFFD.
std::vector<char32_t> code_points(const std::string& text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
    char32_t point = extra == 0 ? lead : extra == 1 ? lead & 0x1F : extra == 2 ? lead & 0x0F : lead & 0x07;
    bool valid = extra >= 0 && i + extra < text.size();
    for (int k = 1; valid && k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      point = (point << 6) | (next & 0x3F);
    }
    out.push_back(valid ? point : U'\uFFFD');
    i += valid ? static_cast<size_t>(extra) + 1 : 1;
  }
  return out;
}

TextMask bitmap_text(const std::string& text, int scale) {
  TextMask mask;
  const std::vector<char32_t> points = code_points(text);
  mask.width = points.empty() ? 0 : (6 * static_cast<int>(points.size()) - 1) * scale;
  mask.height = 7 * scale;
  mask.coverage.assign(static_cast<size_t>(mask.width) * mask.height, 0);
  for (size_t i = 0; i < points.size(); ++i) {
    const Glyph& g = glyph_of(points[i] < 0x80 ? static_cast<char>(points[i]) : '?');
    for (int y = 0; y < mask.height; ++y) {
      for (int x = 0; x < 5 * scale; ++x) {
        if (g.rows[y / scale] & (0x10 >> (x / scale))) {
          mask.coverage[static_cast<size_t>(y) * mask.width + static_cast<int>(i) * 6 * scale + x] = 255;
        }
      }
    }
  }
  return mask;
}

// The FreeType face in use; guarded by its mutex (figures may be drawn from several threads).
struct VectorFont {
  std::mutex mutex;
  std::string path;
  FT_Library library = nullptr;
  FT_Face face = nullptr;

  void close() {
    if (face) FT_Done_Face(face);
    if (library) FT_Done_FreeType(library);
    face = nullptr, library = nullptr, path.clear();
  }
  // Opens `file` ("" = none); false (and no face) when FreeType cannot read it.
  bool open(const std::string& file) {
    close();
    if (file.empty()) return true;
    if (FT_Init_FreeType(&library) != 0 || FT_New_Face(library, file.c_str(), 0, &face) != 0) {
      close();
      return false;
    }
    path = file;
    return true;
  }
  // The first use: $DAP_PLOT_FONT, else DejaVu Sans, else the bitmap font (said once in the log).
  void choose_default() {
    const char* env = std::getenv("DAP_PLOT_FONT");
    std::vector<std::string> candidates;
    if (env && *env) candidates.push_back(env);
    candidates.push_back("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    for (const auto& file : candidates) {
      if (std::filesystem::exists(file) && open(file)) return;
    }
    open("");
    spdlog::warn("figures: no usable font file ({}; install fonts-dejavu-core or set DAP_PLOT_FONT), using the "
                 "built-in 5x7 bitmap font",
                 candidates.front());
  }
  void set_size(int scale) { FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(8 * scale + 3)); }
  int ascender() const { return static_cast<int>((face->size->metrics.ascender + 63) >> 6); }
  int line_height() const {
    return static_cast<int>((face->size->metrics.ascender - face->size->metrics.descender + 63) >> 6);
  }
};

// Chosen on first use; a function-local static is initialised once even when threads race.
VectorFont& vector_font() {
  static VectorFont font;
  static const bool chosen = (font.choose_default(), true);
  (void)chosen;
  return font;
}

}  // namespace

void use_plot_font(const std::string& path) {
  VectorFont& font = vector_font();
  std::lock_guard<std::mutex> lock(font.mutex);
  if (!font.open(path)) throw Error("figures: FreeType cannot read the font file '" + path + "'");
}

std::string plot_font() {
  VectorFont& font = vector_font();
  std::lock_guard<std::mutex> lock(font.mutex);
  return font.path;
}

int text_line_height(int scale) {
  VectorFont& font = vector_font();
  std::lock_guard<std::mutex> lock(font.mutex);
  if (!font.face) return 7 * scale;
  font.set_size(scale);
  return font.line_height();
}

TextMask render_text(const std::string& text, int scale) {
  VectorFont& font = vector_font();
  std::lock_guard<std::mutex> lock(font.mutex);
  if (!font.face) return bitmap_text(text, scale);
  font.set_size(scale);
  const std::vector<char32_t> points = code_points(text);
  // Pass 1: the advance of the whole line (26.6 fixed point); pass 2: the glyphs.
  FT_Pos advance = 0;
  for (char32_t point : points) {
    if (FT_Load_Char(font.face, point, FT_LOAD_DEFAULT) == 0) advance += font.face->glyph->advance.x;
  }
  TextMask mask;
  mask.width = static_cast<int>((advance + 63) >> 6);
  mask.height = font.line_height();
  mask.coverage.assign(static_cast<size_t>(mask.width) * mask.height, 0);
  FT_Pos pen = 0;
  for (char32_t point : points) {
    if (FT_Load_Char(font.face, point, FT_LOAD_RENDER) != 0) continue;
    const FT_GlyphSlot glyph = font.face->glyph;
    const FT_Bitmap& bitmap = glyph->bitmap;
    const int x0 = static_cast<int>(pen >> 6) + glyph->bitmap_left, y0 = font.ascender() - glyph->bitmap_top;
    for (int y = 0; y < static_cast<int>(bitmap.rows); ++y) {
      for (int x = 0; x < static_cast<int>(bitmap.width); ++x) {
        const int mx = x0 + x, my = y0 + y;
        if (mx < 0 || my < 0 || mx >= mask.width || my >= mask.height) continue;
        uint8_t& cell = mask.coverage[static_cast<size_t>(my) * mask.width + mx];
        cell = std::max(cell, bitmap.buffer[y * bitmap.pitch + x]);
      }
    }
    pen += glyph->advance.x;
  }
  return mask;
}

}  // namespace dap
