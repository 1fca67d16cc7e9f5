#include "core/results/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

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

const Rgb kBlack{0, 0, 0}, kWhite{255, 255, 255}, kGrid{225, 225, 225}, kGrey{128, 128, 128};

uint8_t to_byte(double v) { return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); }

void fill_rect(RgbImage& image, int x, int y, int w, int h, Rgb colour) {
  for (int yy = y; yy < y + h; ++yy) {
    for (int xx = x; xx < x + w; ++xx) set_pixel(image, xx, yy, colour);
  }
}

// Bresenham, with a square brush of side `width` so lines stay visible.
void draw_line(RgbImage& image, int x0, int y0, int x1, int y1, Rgb colour, int width) {
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  const int half = (width - 1) / 2;
  for (int error = dx + dy;;) {
    fill_rect(image, x0 - half, y0 - half, width, width, colour);
    if (x0 == x1 && y0 == y1) break;
    const int twice = 2 * error;
    if (twice >= dy) error += dy, x0 += sx;
    if (twice <= dx) error += dx, y0 += sy;
  }
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about 5 ticks.
double tick_step(double span) {
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

// Widens [lo, hi] to whole tick steps; a single value gets +-1 around it.
void nice_range(double& lo, double& hi, double& step) {
  if (!(lo <= hi)) lo = 0, hi = 1;  // no finite data
  if (lo == hi) lo -= 1, hi += 1;
  step = tick_step(hi - lo);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
}

std::vector<double> ticks(double lo, double hi, double step) {
  std::vector<double> values;
  for (int i = 0; lo + i * step <= hi + step * 1e-6; ++i) values.push_back(lo + i * step);
  return values;
}

std::string tick_label(double value, double step) {
  if (std::abs(value) < step * 1e-6) value = 0;  // no "-0.0"
  const int decimals = step >= 1 ? 0 : std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

bool finite_point(const Series& s, size_t i) { return std::isfinite(s.x[i]) && std::isfinite(s.y[i]); }

// The value at a dotted key path, or nullptr.
const nlohmann::json* find_key(const nlohmann::json& object, const std::string& path) {
  const nlohmann::json* node = &object;
  for (size_t begin = 0; begin <= path.size();) {
    const size_t end = std::min(path.find('.', begin), path.size());
    if (!node->is_object()) return nullptr;
    const auto found = node->find(path.substr(begin, end - begin));
    if (found == node->end()) return nullptr;
    node = &*found;
    begin = end + 1;
  }
  return node;
}

}  // namespace

RgbImage blank_image(int width, int height, Rgb fill) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < image.pixels.size(); i += 3) {
    image.pixels[i] = fill.r, image.pixels[i + 1] = fill.g, image.pixels[i + 2] = fill.b;
  }
  return image;
}

Rgb pixel_at(const RgbImage& image, int x, int y) {
  const size_t i = (static_cast<size_t>(y) * image.width + x) * 3;
  return {image.pixels.at(i), image.pixels.at(i + 1), image.pixels.at(i + 2)};
}

void set_pixel(RgbImage& image, int x, int y, Rgb colour) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const size_t i = (static_cast<size_t>(y) * image.width + x) * 3;
  image.pixels[i] = colour.r, image.pixels[i + 1] = colour.g, image.pixels[i + 2] = colour.b;
}

Rgb jet_colour(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return {to_byte(1.5 - std::abs(4 * t - 3)), to_byte(1.5 - std::abs(4 * t - 2)), to_byte(1.5 - std::abs(4 * t - 1))};
}

Rgb sequential_colour(double t) {
  t = std::clamp(t, 0.0, 1.0);
  auto mix = [t](int from, int to) { return static_cast<uint8_t>(std::lround(from + (to - from) * t)); };
  return {mix(255, 8), mix(255, 48), mix(255, 107)};
}

Rgb series_colour(size_t index) {
  static const Rgb palette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
                                {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return palette[index % 10];
}

void draw_text(RgbImage& image, int x, int y, const std::string& text, Rgb colour, int scale) {
  for (char c : text) {
    const Glyph& g = glyph_of(c);
    for (int row = 0; row < 7; ++row) {
      for (int column = 0; column < 5; ++column) {
        if (g.rows[row] & (0x10 >> column)) fill_rect(image, x + column * scale, y + row * scale, scale, scale, colour);
      }
    }
    x += 6 * scale;
  }
}

int text_width(const std::string& text, int scale) {
  return text.empty() ? 0 : (6 * static_cast<int>(text.size()) - 1) * scale;
}

int LinePlotLayout::px(double x) const {
  return left + static_cast<int>(std::lround((x - x_min) / (x_max - x_min) * (right - left)));
}

int LinePlotLayout::py(double y) const {
  return bottom - static_cast<int>(std::lround((y - y_min) / (y_max - y_min) * (bottom - top)));
}

LinePlotLayout line_plot_layout(const std::vector<Series>& series, const LinePlotOptions& o) {
  LinePlotLayout l;
  l.x_min = l.y_min = std::numeric_limits<double>::infinity();
  l.x_max = l.y_max = -std::numeric_limits<double>::infinity();
  for (const auto& s : series) {
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!finite_point(s, i)) continue;
      l.x_min = std::min(l.x_min, s.x[i]), l.x_max = std::max(l.x_max, s.x[i]);
      l.y_min = std::min(l.y_min, s.y[i]), l.y_max = std::max(l.y_max, s.y[i]);
    }
  }
  nice_range(l.x_min, l.x_max, l.x_step);
  nice_range(l.y_min, l.y_max, l.y_step);
  const int s = o.text_scale, line = text_height(s) + 4 * s;
  int widest_y_label = 0;
  for (double y : ticks(l.y_min, l.y_max, l.y_step)) {
    widest_y_label = std::max(widest_y_label, text_width(tick_label(y, l.y_step), s));
  }
  const int last_x_label = text_width(tick_label(l.x_max, l.x_step), s);
  l.left = 4 * s + widest_y_label + 6 * s;
  l.top = 4 * s + (o.title.empty() ? 0 : line) + (o.y_label.empty() ? 0 : line) + 2 * s;
  l.right = o.width - 1 - std::max(6 * s, last_x_label / 2 + 2 * s);
  l.bottom = o.height - 1 - (6 * s + line + (o.x_label.empty() ? 0 : line));
  if (l.right - l.left < 2 || l.bottom - l.top < 2) {
    throw Error("line plot: " + std::to_string(o.width) + "x" + std::to_string(o.height) +
                " pixels leave no room for the plot area");
  }
  return l;
}

RgbImage plot_lines(const std::vector<Series>& series, const LinePlotOptions& o) {
  for (const auto& s : series) {
    if (s.x.size() != s.y.size()) {
      throw Error("line plot: series '" + s.name + "' has " + std::to_string(s.x.size()) + " x values but " +
                  std::to_string(s.y.size()) + " y values");
    }
  }
  const LinePlotLayout l = line_plot_layout(series, o);
  const int s = o.text_scale, tick = 4 * s;
  RgbImage image = blank_image(o.width, o.height);
  // Grid, ticks and tick labels.
  for (double x : ticks(l.x_min, l.x_max, l.x_step)) {
    const int px = l.px(x);
    const std::string label = tick_label(x, l.x_step);
    draw_line(image, px, l.top, px, l.bottom, kGrid, 1);
    draw_line(image, px, l.bottom, px, l.bottom + tick, kBlack, 1);
    draw_text(image, px - text_width(label, s) / 2, l.bottom + tick + 2 * s, label, kBlack, s);
  }
  for (double y : ticks(l.y_min, l.y_max, l.y_step)) {
    const int py = l.py(y);
    const std::string label = tick_label(y, l.y_step);
    draw_line(image, l.left, py, l.right, py, kGrid, 1);
    draw_line(image, l.left - tick, py, l.left, py, kBlack, 1);
    draw_text(image, l.left - tick - 2 * s - text_width(label, s), py - text_height(s) / 2, label, kBlack, s);
  }
  draw_line(image, l.left, l.top, l.left, l.bottom, kBlack, 1);
  draw_line(image, l.left, l.bottom, l.right, l.bottom, kBlack, 1);
  // Titles: the title centred on top, the y label above the y axis, the x label centred below.
  int y = 4 * s;
  if (!o.title.empty()) {
    draw_text(image, (o.width - text_width(o.title, s)) / 2, y, o.title, kBlack, s);
    y += text_height(s) + 4 * s;
  }
  if (!o.y_label.empty()) draw_text(image, 4 * s, y, o.y_label, kBlack, s);
  if (!o.x_label.empty()) {
    draw_text(image, (l.left + l.right - text_width(o.x_label, s)) / 2, o.height - 4 * s - text_height(s), o.x_label,
              kBlack, s);
  }
  // Series.
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& line = series[k];
    for (size_t i = 0; i < line.x.size(); ++i) {
      if (!finite_point(line, i)) continue;
      const bool next = i + 1 < line.x.size() && finite_point(line, i + 1);
      const bool previous = i > 0 && finite_point(line, i - 1);
      if (next) {
        draw_line(image, l.px(line.x[i]), l.py(line.y[i]), l.px(line.x[i + 1]), l.py(line.y[i + 1]),
                  series_colour(k), o.line_width);
      } else if (!previous) {  // an isolated point: a dot
        draw_line(image, l.px(line.x[i]), l.py(line.y[i]), l.px(line.x[i]), l.py(line.y[i]), series_colour(k),
                  o.line_width + 2);
      }
    }
  }
  // Legend: a framed box in the top-right corner of the plot area.
  if (o.legend && !series.empty()) {
    int widest = 0;
    for (const auto& line : series) widest = std::max(widest, text_width(line.name, s));
    const int row = text_height(s) + 3 * s, swatch = 8 * s;
    const int box_w = swatch + widest + 9 * s, box_h = static_cast<int>(series.size()) * row + 3 * s;
    const int bx = l.right - box_w - 4 * s, by = l.top + 4 * s;
    fill_rect(image, bx, by, box_w, box_h, kWhite);
    draw_line(image, bx, by, bx + box_w, by, kGrey, 1);
    draw_line(image, bx, by + box_h, bx + box_w, by + box_h, kGrey, 1);
    draw_line(image, bx, by, bx, by + box_h, kGrey, 1);
    draw_line(image, bx + box_w, by, bx + box_w, by + box_h, kGrey, 1);
    for (size_t k = 0; k < series.size(); ++k) {
      const int ry = by + 3 * s + static_cast<int>(k) * row;
      draw_line(image, bx + 3 * s, ry + text_height(s) / 2, bx + 3 * s + swatch, ry + text_height(s) / 2,
                series_colour(k), o.line_width);
      draw_text(image, bx + 6 * s + swatch, ry, series[k].name, kBlack, s);
    }
  }
  return image;
}

Series read_metric_series(const std::string& jsonl_path, const std::string& x_key, const std::string& y_key) {
  std::ifstream in(jsonl_path);
  if (!in) throw InputError("cannot open metrics file '" + jsonl_path + "'");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  Series series;
  series.name = y_key;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto parsed = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      if (i + 1 == lines.size()) break;  // cut off by a killed job
      throw InputError(jsonl_path + ":" + std::to_string(i + 1) + ": not a JSON object");
    }
    const nlohmann::json* x = find_key(parsed, x_key);
    const nlohmann::json* y = find_key(parsed, y_key);
    if (x && y && x->is_number() && y->is_number()) {
      series.x.push_back(x->get<double>());
      series.y.push_back(y->get<double>());
    }
  }
  return series;
}

ConfusionLayout confusion_layout(int64_t num_classes, int cell_size, int text_scale) {
  ConfusionLayout l;
  l.cell = cell_size;
  l.left = text_width(std::to_string(std::max<int64_t>(num_classes - 1, 0)), text_scale) + 6 * text_scale;
  l.top = text_height(text_scale) + 6 * text_scale;
  l.width = l.left + static_cast<int>(num_classes) * cell_size + 4 * text_scale;
  l.height = l.top + static_cast<int>(num_classes) * cell_size + 4 * text_scale;
  return l;
}

RgbImage plot_confusion_matrix(const std::vector<int64_t>& confusion, int64_t num_classes, int cell_size,
                               int text_scale) {
  if (num_classes < 1 || confusion.size() != static_cast<size_t>(num_classes * num_classes)) {
    throw Error("confusion plot: " + std::to_string(confusion.size()) + " counts do not form a " +
                std::to_string(num_classes) + " x " + std::to_string(num_classes) + " matrix");
  }
  const ConfusionLayout l = confusion_layout(num_classes, cell_size, text_scale);
  const int s = text_scale;
  RgbImage image = blank_image(l.width, l.height);
  for (int64_t t = 0; t < num_classes; ++t) {
    int64_t total = 0;
    for (int64_t p = 0; p < num_classes; ++p) total += confusion[t * num_classes + p];
    const std::string index = std::to_string(t);
    const int cell_y = l.top + static_cast<int>(t) * l.cell;
    draw_text(image, l.left - 3 * s - text_width(index, s), cell_y + (l.cell - text_height(s)) / 2, index, kBlack, s);
    draw_text(image, l.left + static_cast<int>(t) * l.cell + (l.cell - text_width(index, s)) / 2, 3 * s, index,
              kBlack, s);
    for (int64_t p = 0; p < num_classes; ++p) {
      const int64_t count = confusion[t * num_classes + p];
      const double share = total > 0 ? static_cast<double>(count) / total : 0.0;
      const int cell_x = l.left + static_cast<int>(p) * l.cell;
      fill_rect(image, cell_x, cell_y, l.cell, l.cell, sequential_colour(share));
      const std::string text = std::to_string(count);
      if (count > 0 && text_width(text, s) <= l.cell - 2 && text_height(s) <= l.cell - 2) {
        draw_text(image, cell_x + (l.cell - text_width(text, s)) / 2, cell_y + (l.cell - text_height(s)) / 2, text,
                  share > 0.5 ? kWhite : kBlack, s);
      }
    }
  }
  return image;
}

RgbImage compose_grid(const std::vector<RgbImage>& tiles, int rows, int columns, const GridOptions& o) {
  if (rows < 1 || columns < 1 || tiles.empty() || tiles.size() > static_cast<size_t>(rows) * columns) {
    throw Error("image grid: " + std::to_string(tiles.size()) + " tiles do not fit " + std::to_string(rows) + " x " +
                std::to_string(columns) + " cells");
  }
  if (!o.row_labels.empty() && o.row_labels.size() != static_cast<size_t>(rows)) {
    throw Error("image grid: " + std::to_string(o.row_labels.size()) + " row labels for " + std::to_string(rows) +
                " rows");
  }
  const int w = tiles[0].width, h = tiles[0].height;
  for (size_t i = 0; i < tiles.size(); ++i) {
    if (tiles[i].width != w || tiles[i].height != h) {
      throw Error("image grid: tile " + std::to_string(i) + " is " + std::to_string(tiles[i].width) + "x" +
                  std::to_string(tiles[i].height) + ", tile 0 is " + std::to_string(w) + "x" + std::to_string(h));
    }
  }
  int label_width = 0;
  for (const auto& label : o.row_labels) label_width = std::max(label_width, text_width(label, o.text_scale) + o.gap);
  RgbImage grid = blank_image(label_width + o.gap + columns * (w + o.gap), o.gap + rows * (h + o.gap), o.background);
  for (size_t i = 0; i < tiles.size(); ++i) {
    const int x0 = label_width + o.gap + static_cast<int>(i % columns) * (w + o.gap);
    const int y0 = o.gap + static_cast<int>(i / columns) * (h + o.gap);
    for (int y = 0; y < h; ++y) {
      std::copy_n(tiles[i].pixels.begin() + static_cast<size_t>(y) * w * 3, static_cast<size_t>(w) * 3,
                  grid.pixels.begin() + (static_cast<size_t>(y0 + y) * grid.width + x0) * 3);
    }
  }
  for (int r = 0; r < static_cast<int>(o.row_labels.size()); ++r) {
    const int y = o.gap + r * (h + o.gap) + (h - text_height(o.text_scale)) / 2;
    draw_text(grid, o.gap, y, o.row_labels[r], kBlack, o.text_scale);
  }
  return grid;
}

RgbImage overlay_heat_map(const RgbImage& image, const std::vector<float>& map, int map_height, int map_width,
                          double alpha) {
  if (map_height < 1 || map_width < 1 || map.size() != static_cast<size_t>(map_height) * map_width) {
    throw Error("heat-map overlay: " + std::to_string(map.size()) + " values do not form a " +
                std::to_string(map_height) + "x" + std::to_string(map_width) + " map");
  }
  if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3 || !(alpha >= 0 && alpha <= 1)) {
    throw Error("heat-map overlay: needs a whole RGB image and alpha in [0, 1], got alpha " + std::to_string(alpha));
  }
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (float v : map) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  std::vector<double> unit(map.size(), 0.0);  // normalised to [0, 1]
  for (size_t i = 0; i < map.size(); ++i) {
    if (std::isfinite(map[i]) && hi > lo) unit[i] = (map[i] - lo) / (static_cast<double>(hi) - lo);
  }
  auto at = [&](int y, int x) { return unit[static_cast<size_t>(y) * map_width + x]; };
  RgbImage out = image;
  for (int y = 0; y < image.height; ++y) {
    const double sy = std::clamp((y + 0.5) * map_height / image.height - 0.5, 0.0, map_height - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, map_height - 1);
    for (int x = 0; x < image.width; ++x) {
      const double sx = std::clamp((x + 0.5) * map_width / image.width - 0.5, 0.0, map_width - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, map_width - 1);
      const double fy = sy - y0, fx = sx - x0;
      const double m = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      const Rgb c = jet_colour(m), p = pixel_at(image, x, y);
      auto blend = [alpha](uint8_t under, uint8_t over) {
        return static_cast<uint8_t>(std::lround((1 - alpha) * under + alpha * over));
      };
      set_pixel(out, x, y, {blend(p.r, c.r), blend(p.g, c.g), blend(p.b, c.b)});
    }
  }
  return out;
}

}  // namespace dap
