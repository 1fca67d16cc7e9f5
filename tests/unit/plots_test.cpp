// Plots drawn into RgbImage: sizes, known pixel colours (overlay, colour maps,
// confusion cells), grid tile offsets, and a line plot that draws each series
// along its expected path.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/base/error.h"
#include "core/results/plot_text.h"
#include "core/results/plots.h"
#include "support/input_error.h"
#include "support/test_paths.h"

namespace dap {
namespace {

// True when the colour appears within `radius` pixels of (x, y).
bool colour_near(const RgbImage& image, int x, int y, Rgb colour, int radius = 1) {
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      const int xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < image.width && yy < image.height && pixel_at(image, xx, yy) == colour) return true;
    }
  }
  return false;
}

bool any_pixel(const RgbImage& image, int x0, int y0, int x1, int y1, Rgb colour) {
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      if (pixel_at(image, x, y) == colour) return true;
    }
  }
  return false;
}

TEST(PlotColours, JetAndSequentialEndpoints) {
  EXPECT_EQ(jet_colour(0.0), (Rgb{0, 0, 128}));
  EXPECT_EQ(jet_colour(0.25), (Rgb{0, 128, 255}));
  EXPECT_EQ(jet_colour(0.5), (Rgb{128, 255, 128}));
  EXPECT_EQ(jet_colour(1.0), (Rgb{128, 0, 0}));
  EXPECT_EQ(jet_colour(7.0), jet_colour(1.0));  // clamped
  EXPECT_EQ(sequential_colour(0.0), (Rgb{255, 255, 255}));
  EXPECT_EQ(sequential_colour(1.0), (Rgb{8, 48, 107}));
  EXPECT_NE(series_colour(0), series_colour(1));
}

// The ink's bounding box in an image drawn on white.
struct InkBox {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
  int width() const { return x1 - x0 + 1; }
  int height() const { return y1 - y0 + 1; }
};
InkBox ink_box(const RgbImage& image) {
  InkBox box;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (pixel_at(image, x, y) == Rgb{255, 255, 255}) continue;
      box.x0 = std::min(box.x0, x), box.y0 = std::min(box.y0, y), box.x1 = std::max(box.x1, x), box.y1 = std::max(box.y1, y);
    }
  }
  return box;
}

// Switches to the built-in bitmap font for one test.
struct BitmapFont {
  std::string before = plot_font();
  BitmapFont() { use_plot_font(""); }
  ~BitmapFont() { use_plot_font(before); }
};

TEST(PlotText, BitmapGlyphsLandWhereExpected) {
  BitmapFont bitmap;
  RgbImage image = blank_image(20, 10);
  draw_text(image, 1, 1, "1-", Rgb{0, 0, 0});
  // '1' = rows 0x04,0x0C,...,0x0E: its stem is column 2; '-' is row 3 of the next cell (x 7..11).
  EXPECT_EQ(pixel_at(image, 1 + 2, 1), (Rgb{0, 0, 0}));
  EXPECT_EQ(pixel_at(image, 1 + 0, 1), (Rgb{255, 255, 255}));
  EXPECT_EQ(pixel_at(image, 7, 4), (Rgb{0, 0, 0}));
  EXPECT_EQ(pixel_at(image, 7, 3), (Rgb{255, 255, 255}));
  EXPECT_EQ(text_width("1-"), 11);
  EXPECT_EQ(text_width("ab", 2), 22);
  EXPECT_EQ(text_height(2), 14);
}

TEST(PlotText, DejaVuSansIsAntialiasedAndReadsUtf8) {
  if (plot_font().empty()) GTEST_SKIP() << "no font file (fonts-dejavu-core)";
  EXPECT_NE(plot_font().find("DejaVuSans"), std::string::npos) << plot_font();
  const TextMask mask = render_text("Action 42", 1);
  EXPECT_EQ(mask.height, text_height(1));
  EXPECT_GE(mask.height, 12);
  EXPECT_EQ(text_height(2), render_text("x", 2).height);
  EXPECT_GT(text_height(2), text_height(1) * 3 / 2);
  int partial = 0, full = 0;
  for (uint8_t c : mask.coverage) partial += c > 0 && c < 255, full += c == 255;
  EXPECT_GT(partial, 10);  // anti-aliased edges
  EXPECT_GT(full, 10);     // and solid stems
  // Proportional widths; UTF-8 decoded to one glyph per character.
  EXPECT_LT(text_width("iii"), text_width("MMM"));
  EXPECT_EQ(text_width("\xc3\xa9"), text_width("e"));  // e-acute is as wide as e in DejaVu Sans
  EXPECT_GT(text_width("\xc3\xa9"), 0);
  EXPECT_EQ(render_text("", 1).width, 0);
}

TEST(PlotText, UpwardsTextIsTurnedAQuarter) {
  RgbImage flat = blank_image(200, 60), turned = blank_image(60, 200);
  draw_text(flat, 2, 2, "move_left", Rgb{0, 0, 0});
  draw_text_upwards(turned, 2, 2, "move_left", Rgb{0, 0, 0});
  const InkBox a = ink_box(flat), b = ink_box(turned);
  EXPECT_GT(a.width(), a.height());
  EXPECT_EQ(a.width(), b.height());
  EXPECT_EQ(a.height(), b.width());
  // Reading upwards: the first letter ends up at the bottom.
  RgbImage m = blank_image(60, 200);
  const int width = text_width("m      ");
  draw_text_upwards(m, 2, 2, "m      ", Rgb{0, 0, 0});
  EXPECT_GE(ink_box(m).y0, 2 + width - text_width("m") - 1);
  EXPECT_LE(ink_box(m).y1, 2 + width - 1);
}

TEST(PlotOverlay, AlphaZeroIsTheImageAlphaOneIsTheColourMap) {
  RgbImage image = blank_image(8, 6, Rgb{200, 100, 0});
  set_pixel(image, 3, 3, Rgb{1, 2, 3});
  const std::vector<float> map = {5, 1, 1, 1};  // 2x2, maximum at the top left
  EXPECT_EQ(overlay_heat_map(image, map, 2, 2, 0.0).pixels, image.pixels);
  const RgbImage full = overlay_heat_map(image, map, 2, 2, 1.0);
  EXPECT_EQ(full.width, 8);
  EXPECT_EQ(full.height, 6);
  EXPECT_EQ(pixel_at(full, 0, 0), jet_colour(1.0));  // the map's maximum
  EXPECT_EQ(pixel_at(full, 7, 5), jet_colour(0.0));  // its minimum
  const RgbImage half = overlay_heat_map(image, map, 2, 2, 0.5);
  EXPECT_EQ(pixel_at(half, 0, 0), (Rgb{164, 50, 0}));  // (200+128)/2, 100/2, 0
}

TEST(PlotOverlay, UpsamplesBilinearlyWithAlignedPixelCentres) {
  const RgbImage image = blank_image(4, 1);
  const RgbImage out = overlay_heat_map(image, {0, 1}, 1, 2, 1.0);
  // Source x of output pixel i: (i + 0.5) * 2 / 4 - 0.5 = -0.25, 0.25, 0.75, 1.25 (clamped to [0, 1]).
  EXPECT_EQ(pixel_at(out, 0, 0), jet_colour(0.0));
  EXPECT_EQ(pixel_at(out, 1, 0), jet_colour(0.25));
  EXPECT_EQ(pixel_at(out, 2, 0), jet_colour(0.75));
  EXPECT_EQ(pixel_at(out, 3, 0), jet_colour(1.0));
  EXPECT_THROW(overlay_heat_map(image, {0, 1, 2}, 1, 2, 1.0), Error);
}

TEST(PlotGrid, PlacesTilesAtTheDocumentedOffsets) {
  std::vector<RgbImage> tiles;
  for (int i = 0; i < 6; ++i) tiles.push_back(blank_image(4, 3, series_colour(i)));
  const RgbImage grid = compose_grid(tiles, 2, 3);
  EXPECT_EQ(grid.width, 4 + 3 * (4 + 4));
  EXPECT_EQ(grid.height, 4 + 2 * (3 + 4));
  for (int i = 0; i < 6; ++i) {
    const int x = 4 + (i % 3) * 8, y = 4 + (i / 3) * 7;
    EXPECT_EQ(pixel_at(grid, x, y), series_colour(i)) << i;
    EXPECT_EQ(pixel_at(grid, x + 3, y + 2), series_colour(i)) << i;
    EXPECT_EQ(pixel_at(grid, x - 1, y), (Rgb{255, 255, 255})) << i;
    EXPECT_EQ(pixel_at(grid, x + 4, y + 3), (Rgb{255, 255, 255})) << i;
  }

  GridOptions labelled;
  labelled.row_labels = {"A", "B"};
  const RgbImage with_labels = compose_grid(tiles, 2, 3, labelled);
  const int label_width = text_width("A", 2) + 4;  // 14
  EXPECT_EQ(with_labels.width, label_width + 28);
  EXPECT_EQ(pixel_at(with_labels, label_width + 4, 4), series_colour(0));
  EXPECT_TRUE(any_pixel(with_labels, 0, 0, label_width, with_labels.height, Rgb{0, 0, 0}));

  tiles.push_back(blank_image(5, 3));
  try {
    compose_grid(tiles, 3, 3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tile 6 is 5x3"), std::string::npos) << e.what();
  }
}

TEST(PlotConfusion, CellsAreColouredByRowShare) {
  const std::vector<int64_t> confusion = {2, 0,  //
                                          1, 1};
  ConfusionOptions options;
  options.cell_size = 24;
  const ConfusionLayout l = confusion_layout(2, options);
  const RgbImage image = plot_confusion_matrix(confusion, 2, options);
  EXPECT_EQ(image.width, l.width);
  EXPECT_EQ(image.height, l.height);
  EXPECT_EQ(l.cell, 24);
  auto corner = [&](int t, int p) { return pixel_at(image, l.left + p * l.cell + 1, l.top + t * l.cell + 1); };
  EXPECT_EQ(corner(0, 0), sequential_colour(1.0));
  EXPECT_EQ(corner(0, 1), sequential_colour(0.0));
  EXPECT_EQ(corner(1, 0), (Rgb{132, 152, 181}));  // share 0.5
  EXPECT_EQ(corner(1, 1), sequential_colour(0.5));
  // The count "2" is written in white on the dark cell; class indices in black on the margins.
  EXPECT_TRUE(any_pixel(image, l.left, l.top, l.left + l.cell, l.top + l.cell, Rgb{255, 255, 255}));
  EXPECT_TRUE(any_pixel(image, 0, l.top, l.left, l.top + l.cell, Rgb{0, 0, 0}));
  EXPECT_TRUE(any_pixel(image, l.left, 0, l.left + l.cell, l.top, Rgb{0, 0, 0}));
  // The colour scale: 100% on top, 0% at the bottom.
  EXPECT_EQ(pixel_at(image, l.scale_left + 2, l.top), sequential_colour(1.0 - 0.5 / (2 * l.cell)));
  EXPECT_EQ(pixel_at(image, l.scale_left + 2, l.top + 2 * l.cell - 1), sequential_colour(0.5 / (2 * l.cell)));
  EXPECT_THROW(plot_confusion_matrix({1, 2, 3}, 2), Error);
}

TEST(PlotConfusion, ClassNamesWidenTheMarginsAndMustMatchTheClasses) {
  const std::vector<int64_t> confusion = {5, 1, 0, 7};
  ConfusionOptions named;
  named.class_names = {"move_left", "rotate_counter_clockwise"};
  named.title = "demo: top-1 92.3%";
  const ConfusionLayout plain = confusion_layout(2), l = confusion_layout(2, named);
  EXPECT_EQ(l.left - plain.left, text_width("rotate_counter_clockwise") - text_width("1"));
  EXPECT_EQ(l.top - plain.top, l.left - plain.left + text_height(1) + 6);  // rotated names + the title line
  const RgbImage image = plot_confusion_matrix(confusion, 2, named);
  // The longest row name ends a gap left of the cells; the column names stand above them.
  EXPECT_TRUE(any_pixel(image, l.left - 6 - text_width("move_left"), l.top, l.left - 6, l.top + l.cell, Rgb{0, 0, 0}));
  EXPECT_TRUE(any_pixel(image, l.left + l.cell, l.top - 6 - text_width("rotate_counter_clockwise"), l.left + 2 * l.cell,
                        l.top - 6, Rgb{0, 0, 0}));
  named.class_names.pop_back();
  EXPECT_THROW(confusion_layout(2, named), Error);
}

TEST(PlotLines, DrawsEachSeriesAlongItsPath) {
  Series up{"up", {0, 5, 10}, {0, 5, 10}};
  Series down{"down", {0, 10}, {10, 0}};
  LinePlotOptions options;
  options.title = "Loss";
  options.x_label = "step";
  options.y_label = "loss";
  options.legend = false;
  const RgbImage image = plot_lines({up, down}, options);
  EXPECT_EQ(image.width, 800);
  EXPECT_EQ(image.height, 500);
  const LinePlotLayout l = line_plot_layout({up, down}, options);
  EXPECT_EQ(l.x_min, 0);
  EXPECT_EQ(l.x_max, 10);
  EXPECT_EQ(l.y_step, 2);
  for (double t = 0; t <= 10; t += 0.25) {
    if (t > 4 && t < 6) continue;  // where the lines cross
    EXPECT_TRUE(colour_near(image, l.px(t), l.py(t), series_colour(0))) << "up at " << t;
    EXPECT_TRUE(colour_near(image, l.px(t), l.py(10 - t), series_colour(1))) << "down at " << t;
  }
  EXPECT_FALSE(colour_near(image, l.px(9), l.py(5), series_colour(0), 3));  // off the paths
  EXPECT_FALSE(colour_near(image, l.px(9), l.py(5), series_colour(1), 3));
  EXPECT_EQ(pixel_at(image, l.left, l.py(5)), (Rgb{0, 0, 0}));  // the y axis, away from the series
  EXPECT_EQ(pixel_at(image, l.px(7), l.bottom), (Rgb{0, 0, 0}));  // the x axis
  EXPECT_TRUE(any_pixel(image, 0, l.top, l.left - 2, l.bottom, Rgb{0, 0, 0}));  // y tick labels
  EXPECT_TRUE(any_pixel(image, l.left, l.bottom + 2, l.right, image.height, Rgb{0, 0, 0}));  // x tick labels

  options.legend = true;
  const RgbImage with_legend = plot_lines({up, down}, options);
  EXPECT_TRUE(any_pixel(with_legend, l.left, l.top, l.right, l.top + 60, series_colour(1)));
  EXPECT_THROW(plot_lines({Series{"bad", {1, 2}, {1}}}, options), Error);
}

TEST(PlotLines, SeriesOfOneNameShareAColourAndALegendEntry) {
  // Two seeds of experiment "a" (flat at 2 and at 8) and one of "b" (flat at 5).
  const std::vector<Series> series = {{"a", {0, 10}, {2, 2}}, {"b", {0, 10}, {5, 5}}, {"a", {0, 10}, {8, 8}}};
  LinePlotOptions options;
  options.legend = false;
  const RgbImage image = plot_lines(series, options);
  const LinePlotLayout l = line_plot_layout(series, options);
  EXPECT_TRUE(colour_near(image, l.px(3), l.py(2), series_colour(0)));
  EXPECT_TRUE(colour_near(image, l.px(3), l.py(8), series_colour(0)));
  EXPECT_TRUE(colour_near(image, l.px(3), l.py(5), series_colour(1)));
  EXPECT_FALSE(any_pixel(image, 0, 0, image.width, image.height, series_colour(2)));
  // The legend has two entries: its grey right edge (at l.right - 4 * scale) spans two rows of text.
  options.legend = true;
  const RgbImage with_legend = plot_lines(series, options);
  const int s = options.text_scale, row = text_height(s) + 3 * s;
  int edge = 0;
  for (int y = l.top; y < l.bottom; ++y) edge += pixel_at(with_legend, l.right - 4 * s, y) == Rgb{128, 128, 128};
  EXPECT_EQ(edge, 2 * row + 3 * s + 1);
}

TEST(PlotLines, WritesAPngThatReadsBack) {
  testing::TempDir dir;
  LinePlotOptions small;
  small.width = 320;
  small.height = 200;
  const RgbImage image = plot_lines({Series{"loss", {1, 2, 3}, {2.5, 1.0, 0.5}}}, small);
  write_png(dir.file("loss.png"), image);
  const RgbImage back = read_png(dir.file("loss.png"));
  EXPECT_EQ(back.width, 320);
  EXPECT_EQ(back.height, 200);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(PlotMetrics, ReadsASeriesFromMetricsJsonl) {
  testing::TempDir dir;
  std::ofstream(dir.file("metrics.jsonl")) << "{\"step\":1,\"loss\":2.0,\"time\":{\"step\":0.5}}\n"
                                              "{\"step\":2,\"loss\":1.5}\n"
                                              "{\"step\":3,\"lr\":1e-5}\n"
                                              "{\"step\":4,\"lo";  // cut off by a kill
  const Series loss = read_metric_series(dir.file("metrics.jsonl"), "step", "loss");
  EXPECT_EQ(loss.name, "loss");
  EXPECT_EQ(loss.x, (std::vector<double>{1, 2}));
  EXPECT_EQ(loss.y, (std::vector<double>{2.0, 1.5}));
  const Series nested = read_metric_series(dir.file("metrics.jsonl"), "step", "time.step");
  EXPECT_EQ(nested.y, (std::vector<double>{0.5}));

  std::ofstream(dir.file("broken.jsonl")) << "{\"step\":1}\nnot json\n{\"step\":2}\n";
  const std::string message =
      testing::input_error_of([&] { read_metric_series(dir.file("broken.jsonl"), "step", "loss"); });
  EXPECT_NE(message.find("broken.jsonl:2"), std::string::npos) << message;
}

}  // namespace
}  // namespace dap
