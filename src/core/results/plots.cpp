#include "core/results/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/results/plot_text.h"

namespace dap {
namespace {

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

namespace {

// Blends `colour` over the image with the mask's coverage; `rotated`: turned a quarter
// counter-clockwise (reading upwards), the mask's top-left landing at the bottom-left.
void blend_mask(RgbImage& image, int x, int y, const TextMask& mask, Rgb colour, bool rotated) {
  for (int my = 0; my < mask.height; ++my) {
    for (int mx = 0; mx < mask.width; ++mx) {
      const uint8_t a = mask.at(mx, my);
      if (a == 0) continue;
      const int px = rotated ? x + my : x + mx, py = rotated ? y + mask.width - 1 - mx : y + my;
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      const Rgb under = pixel_at(image, px, py);
      auto mix = [a](uint8_t from, uint8_t to) { return static_cast<uint8_t>((from * (255 - a) + to * a + 127) / 255); };
      set_pixel(image, px, py, {mix(under.r, colour.r), mix(under.g, colour.g), mix(under.b, colour.b)});
    }
  }
}

}  // namespace

void draw_text(RgbImage& image, int x, int y, const std::string& text, Rgb colour, int scale) {
  blend_mask(image, x, y, render_text(text, scale), colour, false);
}

void draw_text_upwards(RgbImage& image, int x, int y, const std::string& text, Rgb colour, int scale) {
  blend_mask(image, x, y, render_text(text, scale), colour, true);
}

int text_width(const std::string& text, int scale) { return render_text(text, scale).width; }
int text_height(int scale) { return text_line_height(scale); }

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
  // Series; those with the same name (the seeds of one experiment) share a colour and a legend entry.
  std::vector<size_t> colour_of(series.size());
  std::vector<size_t> legend;  // the first series of each name
  std::map<std::string, size_t> entry_of_name;
  for (size_t k = 0; k < series.size(); ++k) {
    const auto [entry, added] = entry_of_name.emplace(series[k].name, legend.size());
    if (added) legend.push_back(k);
    colour_of[k] = entry->second;
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& line = series[k];
    for (size_t i = 0; i < line.x.size(); ++i) {
      if (!finite_point(line, i)) continue;
      const bool next = i + 1 < line.x.size() && finite_point(line, i + 1);
      const bool previous = i > 0 && finite_point(line, i - 1);
      if (next) {
        draw_line(image, l.px(line.x[i]), l.py(line.y[i]), l.px(line.x[i + 1]), l.py(line.y[i + 1]),
                  series_colour(colour_of[k]), o.line_width);
      } else if (!previous) {  // an isolated point: a dot
        draw_line(image, l.px(line.x[i]), l.py(line.y[i]), l.px(line.x[i]), l.py(line.y[i]), series_colour(colour_of[k]),
                  o.line_width + 2);
      }
    }
  }
  // Legend: a framed box in the top-right corner of the plot area.
  if (o.legend && !series.empty()) {
    int widest = 0;
    for (size_t k : legend) widest = std::max(widest, text_width(series[k].name, s));
    const int row = text_height(s) + 3 * s, swatch = 8 * s;
    const int box_w = swatch + widest + 9 * s, box_h = static_cast<int>(legend.size()) * row + 3 * s;
    const int bx = l.right - box_w - 4 * s, by = l.top + 4 * s;
    fill_rect(image, bx, by, box_w, box_h, kWhite);
    draw_line(image, bx, by, bx + box_w, by, kGrey, 1);
    draw_line(image, bx, by + box_h, bx + box_w, by + box_h, kGrey, 1);
    draw_line(image, bx, by, bx, by + box_h, kGrey, 1);
    draw_line(image, bx + box_w, by, bx + box_w, by + box_h, kGrey, 1);
    for (size_t entry = 0; entry < legend.size(); ++entry) {
      const int ry = by + 3 * s + static_cast<int>(entry) * row;
      draw_line(image, bx + 3 * s, ry + text_height(s) / 2, bx + 3 * s + swatch, ry + text_height(s) / 2,
                series_colour(entry), o.line_width);
      draw_text(image, bx + 6 * s + swatch, ry, series[legend[entry]].name, kBlack, s);
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

namespace {

// The row and column names: the given ones, or the class indices.
std::vector<std::string> confusion_names(int64_t num_classes, const ConfusionOptions& o) {
  if (!o.class_names.empty()) {
    if (o.class_names.size() != static_cast<size_t>(num_classes)) {
      throw Error("confusion plot: " + std::to_string(o.class_names.size()) + " class names for " +
                  std::to_string(num_classes) + " classes");
    }
    return o.class_names;
  }
  std::vector<std::string> names;
  for (int64_t c = 0; c < num_classes; ++c) names.push_back(std::to_string(c));
  return names;
}

const char* const kTrueCaption = "true class";
const char* const kPredictedCaption = "predicted class";
const char* const kShareCaption = "share of the true class";

}  // namespace

ConfusionLayout confusion_layout(int64_t num_classes, const ConfusionOptions& o) {
  const int s = o.text_scale, line = text_height(s), gap = 6 * s;
  int widest = 0;
  for (const auto& name : confusion_names(num_classes, o)) widest = std::max(widest, text_width(name, s));
  ConfusionLayout l;
  l.cell = o.cell_size;
  // Left to right: the rotated "true class" caption, the row names, the cells, the colour scale.
  l.left = gap + line + gap + widest + gap;
  // Top to bottom: the title, the "predicted class" caption, the column names (reading upwards), the cells.
  l.top = gap + (o.title.empty() ? 0 : line + gap) + line + gap + widest + gap;
  const int grid = static_cast<int>(num_classes) * l.cell;
  l.scale_left = l.left + grid + 2 * gap;
  l.width = std::max(l.scale_left + 3 * gap + text_width("100%", s) + gap + line + gap,
                     gap + text_width(o.title, s) + gap);
  l.height = l.top + std::max(grid, text_width(kShareCaption, s)) + gap;
  return l;
}

RgbImage plot_confusion_matrix(const std::vector<int64_t>& confusion, int64_t num_classes, const ConfusionOptions& o) {
  if (num_classes < 1 || confusion.size() != static_cast<size_t>(num_classes * num_classes)) {
    throw Error("confusion plot: " + std::to_string(confusion.size()) + " counts do not form a " +
                std::to_string(num_classes) + " x " + std::to_string(num_classes) + " matrix");
  }
  const std::vector<std::string> names = confusion_names(num_classes, o);
  const ConfusionLayout l = confusion_layout(num_classes, o);
  const int s = o.text_scale, line = text_height(s), gap = 6 * s, grid = static_cast<int>(num_classes) * l.cell;
  RgbImage image = blank_image(l.width, l.height);
  int y = gap;
  if (!o.title.empty()) {
    draw_text(image, (l.width - text_width(o.title, s)) / 2, y, o.title, kBlack, s);
    y += line + gap;
  }
  draw_text(image, l.left + (grid - text_width(kPredictedCaption, s)) / 2, y, kPredictedCaption, kBlack, s);
  draw_text_upwards(image, gap, l.top + (grid - text_width(kTrueCaption, s)) / 2, kTrueCaption, kBlack, s);
  for (int64_t t = 0; t < num_classes; ++t) {
    int64_t total = 0;
    for (int64_t p = 0; p < num_classes; ++p) total += confusion[t * num_classes + p];
    const int cell_y = l.top + static_cast<int>(t) * l.cell;
    const int column_x = l.left + static_cast<int>(t) * l.cell;
    const std::string& name = names[static_cast<size_t>(t)];
    draw_text(image, l.left - gap - text_width(name, s), cell_y + (l.cell - line) / 2, name, kBlack, s);
    draw_text_upwards(image, column_x + (l.cell - line) / 2, l.top - gap - text_width(name, s), name, kBlack, s);
    for (int64_t p = 0; p < num_classes; ++p) {
      const int64_t count = confusion[t * num_classes + p];
      const double share = total > 0 ? static_cast<double>(count) / total : 0.0;
      const int cell_x = l.left + static_cast<int>(p) * l.cell;
      fill_rect(image, cell_x, cell_y, l.cell, l.cell, sequential_colour(share));
      const std::string text = std::to_string(count);
      if (count > 0 && text_width(text, s) <= l.cell - 2 && line <= l.cell - 2) {
        draw_text(image, cell_x + (l.cell - text_width(text, s)) / 2, cell_y + (l.cell - line) / 2, text,
                  share > 0.5 ? kWhite : kBlack, s);
      }
    }
  }
  // The colour scale: the share of the true class's clips, 0% at the bottom.
  const int bar = 3 * gap / 2;
  for (int py = 0; py < grid; ++py) {
    fill_rect(image, l.scale_left, l.top + py, bar, 1, sequential_colour(1.0 - (py + 0.5) / grid));
  }
  for (const auto& [share, label] : {std::pair<double, const char*>{0, "0%"}, {0.5, "50%"}, {1, "100%"}}) {
    const int py = l.top + static_cast<int>(std::lround((1 - share) * (grid - 1)));
    draw_line(image, l.scale_left + bar, py, l.scale_left + bar + s * 3, py, kBlack, 1);
    draw_text(image, l.scale_left + bar + 5 * s, std::clamp(py - line / 2, 0, l.height - line), label, kBlack, s);
  }
  draw_text_upwards(image, l.width - gap - line, l.top + (grid - text_width(kShareCaption, s)) / 2, kShareCaption,
                    kBlack, s);
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
