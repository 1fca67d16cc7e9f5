// Text for the figures: DejaVu Sans (Debian's fonts-dejavu-core) rendered by
// FreeType, anti-aliased and for any UTF-8 text (class names, legends, titles).
// Where no font file is found, a built-in 5x7 bitmap font (digits, A-Z,
// lowercase drawn as uppercase, a few signs; anything else '?') keeps the
// figures legible, and the first use says so in the log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dap {

// One line of text as coverage, row-major, 0 (background) .. 255 (ink).
struct TextMask {
  int width = 0, height = 0;
  std::vector<uint8_t> coverage;
  uint8_t at(int x, int y) const { return coverage[static_cast<size_t>(y) * width + x]; }
};

// `text` at size `scale` (1: a line about 13 pixels high, the size of axis
// labels; 2: about twice that). The mask is text_line_height(scale) high.
TextMask render_text(const std::string& text, int scale);
int text_line_height(int scale);

// The font file used from now on: a TrueType/OpenType path, or "" for the
// built-in bitmap font. Without a call: $DAP_PLOT_FONT, else DejaVu Sans where
// Debian installs it, else the bitmap font.
void use_plot_font(const std::string& path);
// The font file in use ("" = the bitmap font).
std::string plot_font();

}  // namespace dap
