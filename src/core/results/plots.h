// Figures for dap-evaluate, drawn pixel by pixel into RgbImage (written with
// png_image.h): line plots (loss vs step) with legends, confusion matrices with
// class names, image grids and heat-map overlays (Grad-CAM, paper Fig. 3).
// Text is DejaVu Sans rendered by FreeType (plot_text.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/io/png_image.h"

namespace dap {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Rgb& o) const { return !(*this == o); }
};

RgbImage blank_image(int width, int height, Rgb fill = {255, 255, 255});
Rgb pixel_at(const RgbImage& image, int x, int y);
void set_pixel(RgbImage& image, int x, int y, Rgb colour);  // ignores pixels outside the image

// Jet-like map for t in [0, 1] (clamped): 0 = dark blue (0,0,128), 1 = dark red (128,0,0).
Rgb jet_colour(double t);
// White (t = 0) to dark blue (t = 1); the confusion-matrix cells.
Rgb sequential_colour(double t);
// Distinct colours for line series (matplotlib's tab10), cycling.
Rgb series_colour(size_t index);

// Text (plot_text.h: DejaVu Sans through FreeType), top-left at (x, y), one line
// text_height(scale) high; scale 1 is the size of axis labels.
void draw_text(RgbImage& image, int x, int y, const std::string& text, Rgb colour, int scale = 1);
// The same turned a quarter counter-clockwise (reading upwards, as a y-axis
// caption): it covers [x, x + text_height) x [y, y + text_width).
void draw_text_upwards(RgbImage& image, int x, int y, const std::string& text, Rgb colour, int scale = 1);
int text_width(const std::string& text, int scale = 1);
int text_height(int scale = 1);

// (a) Line plots. Non-finite points are skipped (the line breaks there).
struct Series {
  std::string name;  // legend entry
  std::vector<double> x, y;
};

struct LinePlotOptions {
  int width = 800, height = 500;
  std::string title, x_label, y_label;
  int text_scale = 2;
  int line_width = 2;
  bool legend = true;  // names in a box at the plot area's top right (series of one name share a colour and an entry)
};

// Where data lands in the image: the axis ranges (widened to whole tick
// steps) and the plot area's pixel box [left, right] x [top, bottom].
struct LinePlotLayout {
  int left = 0, top = 0, right = 0, bottom = 0;
  double x_min = 0, x_max = 1, x_step = 1, y_min = 0, y_max = 1, y_step = 1;
  int px(double x) const;
  int py(double y) const;
};

LinePlotLayout line_plot_layout(const std::vector<Series>& series, const LinePlotOptions& options = {});
// Throws Error when a series' x and y differ in length (naming the series).
RgbImage plot_lines(const std::vector<Series>& series, const LinePlotOptions& options = {});

// One series from a metrics.jsonl file: the lines where both keys hold numbers;
// a key may be a dotted path into nested objects ("time.step"). A malformed line
// is an InputError naming file and line, except a cut-off last line (a killed
// job), which is skipped.
Series read_metric_series(const std::string& jsonl_path, const std::string& x_key, const std::string& y_key);

// (b) Confusion matrix [C, C] (row = true class, column = predicted), each
// cell coloured by sequential_colour(count / row total) (0 for an empty row),
// with its count written in when it fits; the class names label the rows (left)
// and the columns (on top, reading upwards), a colour scale on the right.
struct ConfusionOptions {
  std::vector<std::string> class_names;  // empty: the class indices
  std::string title;
  int cell_size = 40;
  int text_scale = 1;
};
struct ConfusionLayout {
  int left = 0, top = 0, cell = 0;  // cell (t, p) covers x in [left + p*cell, +cell), y in [top + t*cell, +cell)
  int scale_left = 0;               // the colour scale's left edge
  int width = 0, height = 0;
};
ConfusionLayout confusion_layout(int64_t num_classes, const ConfusionOptions& options = {});
// Throws Error when the counts or the names do not match num_classes.
RgbImage plot_confusion_matrix(const std::vector<int64_t>& confusion, int64_t num_classes,
                               const ConfusionOptions& options = {});

// (c) rows x columns of equal-size tiles, row-major (fewer tiles than cells
// leave the rest blank). Tile (r, c) is placed at
//   x = label_width + gap + c * (w + gap),  y = gap + r * (h + gap)
// where label_width is 0 without row labels, else the widest label + gap.
struct GridOptions {
  int gap = 4;
  int text_scale = 2;
  std::vector<std::string> row_labels;  // empty, or one per row, drawn left of the row
  Rgb background = {255, 255, 255};
};
RgbImage compose_grid(const std::vector<RgbImage>& tiles, int rows, int columns, const GridOptions& options = {});

// (d) Blends jet_colour(m) over the image: out = (1 - alpha) * image + alpha * colour,
// where m is the [map_height, map_width] map (row-major) min-max normalised to
// [0, 1] (a constant map is 0; non-finite values count as the minimum) and
// upsampled bilinearly to the image (pixel centres aligned, as cv2.resize).
RgbImage overlay_heat_map(const RgbImage& image, const std::vector<float>& map, int map_height, int map_width,
                          double alpha = 0.5);

}  // namespace dap
