#include "core/data/clip_views.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/base/error.h"
#include "core/data/distributed_sampler.h"

namespace dap {

namespace {

// One output coordinate's two source taps and the weight of the second.
struct Tap {
  int low, high;
  float weight;
};

// Bilinear with half-pixel centres (cv2.resize, torch interpolate align_corners=False):
// output o samples source coordinate start + (o + 0.5) * step - 0.5, clamped to [first, last].
std::vector<Tap> axis_taps(int out, double start, double step, int first, int last) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  for (int o = 0; o < out; ++o) {
    const double source = std::clamp(start + (o + 0.5) * step - 0.5, double(first), double(last));
    const int low = static_cast<int>(std::floor(source));
    taps[o] = {low, std::min(low + 1, last), static_cast<float>(source - low)};
  }
  return taps;
}

// Taps of torchvision Resize(size) (shorter side) followed by CenterCrop(size), along one axis.
std::vector<Tap> resize_centre_crop_taps(int size, int extent, int shorter) {
  const int resized = extent == shorter ? size : static_cast<int>(static_cast<int64_t>(size) * extent / shorter);
  const int offset = static_cast<int>(std::nearbyint((resized - size) / 2.0));
  const double step = static_cast<double>(extent) / resized;
  return axis_taps(size, offset * step, step, 0, extent - 1);
}

struct Crop {
  int top, left, height, width;
};

// torchvision RandomResizedCrop.get_params with ratio [3/4, 4/3]: 10 tries, then the central crop.
Crop random_resized_crop(int height, int width, double scale_min, double scale_max, std::mt19937_64& rng) {
  const double area = static_cast<double>(height) * width;
  const double log_ratio_min = std::log(3.0 / 4.0), log_ratio_max = std::log(4.0 / 3.0);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * (scale_min + (scale_max - scale_min) * random_unit(rng));
    const double aspect = std::exp(log_ratio_min + (log_ratio_max - log_ratio_min) * random_unit(rng));
    const int w = static_cast<int>(std::nearbyint(std::sqrt(target_area * aspect)));
    const int h = static_cast<int>(std::nearbyint(std::sqrt(target_area / aspect)));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int top = static_cast<int>(random_below(rng, height - h + 1));
      const int left = static_cast<int>(random_below(rng, width - w + 1));
      return {top, left, h, w};
    }
  }
  const double ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (ratio < 3.0 / 4.0) h = static_cast<int>(std::nearbyint(w / (3.0 / 4.0)));
  if (ratio > 4.0 / 3.0) w = static_cast<int>(std::nearbyint(h * (4.0 / 3.0)));
  return {(height - h) / 2, (width - w) / 2, h, w};
}

// Bilinear samples of HWC uint8 frames, normalised, as [frames.size(), 3, rows, cols].
// Separable: every source row a tap needs is first interpolated along x (into
// planar floats), then output rows blend two of those along y. Each axis is
// a + w * (b - a), exact for equal neighbours, so flat regions and unscaled
// copies keep their values; the arithmetic is that of the two-tap formula per
// pixel, in the same order, so the results are the same to the bit.
void sample_frames(const std::vector<const uint8_t*>& frames, int width, const std::vector<Tap>& rows,
                   const std::vector<Tap>& cols, const ViewSettings& s, float* out) {
  const size_t out_cols = cols.size(), plane = rows.size() * out_cols;
  int first_row = rows.front().low, last_row = rows.front().high;
  for (const Tap& r : rows) {
    first_row = std::min(first_row, r.low);
    last_row = std::max(last_row, r.high);
  }
  std::vector<uint8_t> needed(static_cast<size_t>(last_row - first_row + 1), 0);  // rows some tap reads
  for (const Tap& r : rows) needed[r.low - first_row] = needed[r.high - first_row] = 1;
  // Per channel and output column: the byte offsets of both taps within a source row.
  std::vector<int> low(3 * out_cols), high(3 * out_cols);
  std::vector<float> weight(3 * out_cols);
  bool column_copy = true;  // unscaled columns: each output column is one source column (a + 0 * (b - a) = a)
  for (size_t x = 0; x < out_cols; ++x) {
    column_copy = column_copy && cols[x].weight == 0.0f && cols[x].low == cols[0].low + static_cast<int>(x);
    for (int ch = 0; ch < 3; ++ch) {
      low[ch * out_cols + x] = cols[x].low * 3 + ch;
      high[ch * out_cols + x] = cols[x].high * 3 + ch;
      weight[ch * out_cols + x] = cols[x].weight;
    }
  }
  std::vector<float> across(needed.size() * 3 * out_cols);  // [row][ch][x]
  for (size_t t = 0; t < frames.size(); ++t) {
    for (int y = first_row; y <= last_row; ++y) {
      if (!needed[y - first_row]) continue;
      const uint8_t* __restrict source = frames[t] + static_cast<size_t>(y) * width * 3;
      float* __restrict row = across.data() + static_cast<size_t>(y - first_row) * 3 * out_cols;
      if (column_copy) {
        const uint8_t* __restrict first = source + static_cast<size_t>(cols[0].low) * 3;
        for (int ch = 0; ch < 3; ++ch) {
          for (size_t x = 0; x < out_cols; ++x) row[ch * out_cols + x] = first[3 * x + ch];
        }
        continue;
      }
      for (size_t i = 0; i < 3 * out_cols; ++i) {
        const float a = source[low[i]], b = source[high[i]];
        row[i] = a + weight[i] * (b - a);
      }
    }
    float* target = out + t * 3 * plane;
    for (size_t y = 0; y < rows.size(); ++y) {
      const Tap r = rows[y];
      for (int ch = 0; ch < 3; ++ch) {
        const float* __restrict top = across.data() + (static_cast<size_t>(r.low - first_row) * 3 + ch) * out_cols;
        const float* __restrict bottom = across.data() + (static_cast<size_t>(r.high - first_row) * 3 + ch) * out_cols;
        float* __restrict line = target + ch * plane + y * out_cols;
        const float mean = s.mean[ch], deviation = s.std[ch];
        if (r.weight == 0.0f) {  // an unscaled row: top + 0 * (bottom - top) = top
          for (size_t x = 0; x < out_cols; ++x) line[x] = (top[x] / 255.0f - mean) / deviation;
          continue;
        }
        for (size_t x = 0; x < out_cols; ++x) {
          const float value = top[x] + r.weight * (bottom[x] - top[x]);
          line[x] = (value / 255.0f - mean) / deviation;
        }
      }
    }
  }
}

// m = mask*o + (1-mask)*e per PxP cell, by copying (so each pixel equals o or e exactly).
void mix_views(const std::vector<uint8_t>& masks, const float* original, const float* enhanced, const ViewSettings& s,
               float* mixed) {
  const int grid = s.size / s.patch_size;
  const size_t plane = static_cast<size_t>(s.size) * s.size;
  for (int t = 0; t < s.num_frames; ++t) {
    const uint8_t* mask = masks.data() + (s.mask_per_frame ? t * grid * grid : 0);
    for (int ch = 0; ch < 3; ++ch) {
      const size_t base = (static_cast<size_t>(t) * 3 + ch) * plane;
      for (int y = 0; y < s.size; ++y) {
        const uint8_t* mask_row = mask + (y / s.patch_size) * grid;
        for (int cell = 0; cell < grid; ++cell) {
          const size_t i = base + static_cast<size_t>(y) * s.size + static_cast<size_t>(cell) * s.patch_size;
          const float* from = (mask_row[cell] ? original : enhanced) + i;
          std::copy(from, from + s.patch_size, mixed + i);
        }
      }
    }
  }
}

// Pointers to frame `indices[k]` of a pool read as `pool` (sorted, unique stored-frame indices).
std::vector<const uint8_t*> pick_frames(const std::vector<uint8_t>& pixels, const std::vector<int>& pool,
                                        const std::vector<int>& indices, size_t frame_bytes) {
  std::vector<const uint8_t*> picked;
  for (int index : indices) {
    const auto at = std::lower_bound(pool.begin(), pool.end(), index) - pool.begin();
    picked.push_back(pixels.data() + static_cast<size_t>(at) * frame_bytes);
  }
  return picked;
}

// The sorted distinct indices of both lists.
std::vector<int> frame_pool(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

// Torchvision's _blend of float images: ratio * a + (1 - ratio) * b, clamped to [0, 1].
inline float blend(float a, float b, float ratio) { return std::clamp(ratio * a + (1.0f - ratio) * b, 0.0f, 1.0f); }

inline float luma(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

// torchvision adjust_hue of one pixel: _rgb2hsv, h = (h + shift) mod 1, _hsv2rgb.
void shift_hue(float& r, float& g, float& b, float shift) {
  const float maxc = std::max({r, g, b}), minc = std::min({r, g, b});
  const bool equal = maxc == minc;
  const float cr = maxc - minc;
  const float s = cr / (equal ? 1.0f : maxc);
  const float divisor = equal ? 1.0f : cr;
  const float rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor;
  // Selects rather than branches (the case depends on the pixel): no mispredictions.
  const float from_r = bc - gc, from_g = 2.0f + rc - bc, from_b = 4.0f + gc - rc;
  float h = maxc == r ? from_r : (maxc == g ? from_g : from_b);
  // fmod(h / 6 + 1, 1), then torch's remainder (h + shift) % 1, without libm calls: h / 6 + 1
  // lies in (0.8, 2) and h + shift in (-0.5, 1.5), where these subtractions are the exact ones.
  h = h / 6.0f + 1.0f;
  if (h >= 1.0f) h -= 1.0f;
  h += shift;
  h = h < 0.0f ? h + 1.0f : (h >= 1.0f ? h - 1.0f : h);
  const float v = maxc, h6 = h * 6.0f;
  const int sector = static_cast<int>(h6);  // floor: h6 >= 0
  const float f = h6 - static_cast<float>(sector);
  const float p = std::clamp(v * (1.0f - s), 0.0f, 1.0f);
  const float q = std::clamp(v * (1.0f - s * f), 0.0f, 1.0f);
  const float t = std::clamp(v * (1.0f - s * (1.0f - f)), 0.0f, 1.0f);
  // torchvision's table of the six sectors, looked up rather than switched on.
  const int i = sector % 6;
  const float red[6] = {v, q, p, p, t, v}, green[6] = {t, v, v, q, p, p}, blue[6] = {p, p, t, v, v, q};
  r = red[i];
  g = green[i];
  b = blue[i];
}

// (x - mean) / std per channel, in place, over [T, 3, plane].
void normalise_frames(float* views, int frames, size_t plane, const ViewSettings& s) {
  for (int t = 0; t < frames; ++t) {
    for (int ch = 0; ch < 3; ++ch) {
      float* __restrict line = views + (static_cast<size_t>(t) * 3 + ch) * plane;
      const float mean = s.mean[ch], deviation = s.std[ch];
      for (size_t i = 0; i < plane; ++i) line[i] = (line[i] - mean) / deviation;
    }
  }
}

void check_augment_settings(const ViewSettings& s) {
  const AugmentSettings& a = s.augment;
  const auto fail = [](const std::string& what) { throw InputError("view settings: augment " + what); };
  if (a.kind != "none" && a.kind != "actionclip") {
    fail("kind must be \"none\" or \"actionclip\", not \"" + a.kind + "\"");
  }
  if (!a.enabled()) return;
  if (!s.single_view()) fail("needs a single view (views \"original\" or \"enhanced\"), not \"" + s.views + "\"");
  if (a.scales.empty()) fail("scales must list at least one scale");
  for (double scale : a.scales) {
    if (!(scale > 0 && scale <= 1)) fail("scales must lie in (0, 1], not " + std::to_string(scale));
  }
  if (a.max_distort < 0) fail("max_distort must not be negative");
  for (double p : {a.flip, a.color_jitter, a.grayscale}) {
    if (!(p >= 0 && p <= 1)) fail("flip, color_jitter and grayscale are probabilities in [0, 1]");
  }
  for (double x : {a.brightness, a.contrast, a.saturation}) {
    if (!(x >= 0)) fail("brightness, contrast and saturation must not be negative");
  }
  if (!(a.hue >= 0 && a.hue <= 0.5)) fail("hue must lie in [0, 0.5]");
}

}  // namespace

std::vector<std::array<int, 2>> multi_scale_crop_sizes(int width, int height, int size,
                                                       const std::vector<double>& scales, int max_distort) {
  const int base = std::min(width, height);
  std::vector<int> crop_w, crop_h;
  for (double scale : scales) {
    const int side = static_cast<int>(base * scale);  // Python's int(): truncation
    const int snapped = std::abs(side - size) < 3 ? size : side;
    crop_w.push_back(std::clamp(snapped, 1, width));
    crop_h.push_back(std::clamp(snapped, 1, height));
  }
  std::vector<std::array<int, 2>> pairs;
  for (size_t i = 0; i < crop_h.size(); ++i) {
    for (size_t j = 0; j < crop_w.size(); ++j) {
      if (std::abs(static_cast<int>(i) - static_cast<int>(j)) <= max_distort) pairs.push_back({crop_w[j], crop_h[i]});
    }
  }
  return pairs;
}

std::vector<std::array<int, 2>> fixed_crop_offsets(int width, int height, int crop_width, int crop_height) {
  const int ws = (width - crop_width) / 4, hs = (height - crop_height) / 4;
  return {{0, 0},          {4 * ws, 0},      {0, 4 * hs},      {4 * ws, 4 * hs}, {2 * ws, 2 * hs},
          {0, 2 * hs},     {4 * ws, 2 * hs}, {2 * ws, 4 * hs}, {2 * ws, 0},      {ws, hs},
          {3 * ws, hs},    {ws, 3 * hs},     {3 * ws, 3 * hs}};
}

AugmentDraws draw_augmentation(int height, int width, int size, const AugmentSettings& a, std::mt19937_64& rng) {
  AugmentDraws d;
  const auto pairs = multi_scale_crop_sizes(width, height, size, a.scales, a.max_distort);
  const auto [crop_w, crop_h] = pairs[random_below(rng, pairs.size())];
  const auto offsets = fixed_crop_offsets(width, height, crop_w, crop_h);
  const auto [left, top] = offsets[random_below(rng, offsets.size())];
  d.top = top;
  d.left = left;
  d.height = crop_h;
  d.width = crop_w;
  d.flip = random_unit(rng) < a.flip;
  d.jitter = random_unit(rng) < a.color_jitter;
  const auto factor = [&](double x) {  // torchvision ColorJitter: U[max(0, 1 - x), 1 + x]
    const double low = std::max(0.0, 1.0 - x);
    return low + (1.0 + x - low) * random_unit(rng);
  };
  d.brightness = factor(a.brightness);
  d.contrast = factor(a.contrast);
  d.saturation = factor(a.saturation);
  d.hue = -a.hue + 2.0 * a.hue * random_unit(rng);
  std::vector<int> order{0, 1, 2, 3};
  fisher_yates_shuffle(order, rng);
  std::copy(order.begin(), order.end(), d.order.begin());
  d.grayscale = random_unit(rng) < a.grayscale;
  return d;
}

void augment_frame_colour(const AugmentDraws& d, float* frame, size_t plane) {
  float* r = frame;
  float* g = frame + plane;
  float* b = frame + 2 * plane;
  if (d.jitter) {
    for (int op : d.order) {
      if (op == 0 && d.brightness != 1.0) {  // blend with black
        const float f = static_cast<float>(d.brightness);
        for (size_t i = 0; i < 3 * plane; ++i) frame[i] = std::clamp(f * frame[i], 0.0f, 1.0f);
      } else if (op == 1 && d.contrast != 1.0) {  // blend with the mean luma of the frame
        double sum = 0;
        for (size_t i = 0; i < plane; ++i) sum += luma(r[i], g[i], b[i]);
        const float mean = static_cast<float>(sum / static_cast<double>(plane));
        const float f = static_cast<float>(d.contrast);
        for (size_t i = 0; i < 3 * plane; ++i) frame[i] = blend(frame[i], mean, f);
      } else if (op == 2 && d.saturation != 1.0) {  // blend with the pixel's luma
        const float f = static_cast<float>(d.saturation);
        for (size_t i = 0; i < plane; ++i) {
          const float gray = luma(r[i], g[i], b[i]);
          r[i] = blend(r[i], gray, f);
          g[i] = blend(g[i], gray, f);
          b[i] = blend(b[i], gray, f);
        }
      } else if (op == 3 && d.hue != 0.0) {
        const float shift = static_cast<float>(d.hue);
        for (size_t i = 0; i < plane; ++i) shift_hue(r[i], g[i], b[i], shift);
      }
    }
  }
  if (d.grayscale) {
    for (size_t i = 0; i < plane; ++i) r[i] = g[i] = b[i] = luma(r[i], g[i], b[i]);
  }
}

uint64_t clip_view_seed(uint64_t seed, int64_t epoch, int64_t clip) {
  return mix_seed({seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(clip)});
}

std::vector<int> segment_frame_indices(int64_t frame_count, int num_frames, bool jitter, std::mt19937_64& rng) {
  if (frame_count <= 0 || num_frames <= 0) {
    throw Error("segment_frame_indices: " + std::to_string(num_frames) + " frames from a clip of " +
                std::to_string(frame_count));
  }
  std::vector<int> indices(static_cast<size_t>(num_frames));
  for (int k = 0; k < num_frames; ++k) {
    if (jitter) {
      // A uniform position inside the real segment [k*F/T, (k+1)*F/T).
      const double position = (k + random_unit(rng)) * static_cast<double>(frame_count) / num_frames;
      indices[k] = static_cast<int>(std::min<int64_t>(static_cast<int64_t>(position), frame_count - 1));
    } else {
      indices[k] = static_cast<int>((2 * k + 1) * frame_count / (2 * static_cast<int64_t>(num_frames)));
    }
  }
  return indices;
}

std::vector<uint8_t> balanced_patch_mask(int cells, std::mt19937_64& rng) {
  const bool round_up = random_below(rng, 2) == 1;
  const int ones = cells / 2 + (cells % 2 == 1 && round_up ? 1 : 0);
  std::vector<uint8_t> mask(static_cast<size_t>(cells), 0);
  std::fill(mask.begin(), mask.begin() + ones, 1);
  fisher_yates_shuffle(mask, rng);
  return mask;
}

ClipViewBuilder::ClipViewBuilder(const ShardDataset& data, const ViewSettings& settings)
    : data_(data), settings_(settings) {
  const ViewSettings& s = settings;
  const auto fail = [](const std::string& what) { throw InputError("view settings: " + what); };
  if (s.num_frames < 1 || s.size < 1 || s.local_size < 1 || s.patch_size < 1) {
    fail("num_frames, size, local_size and patch_size must be positive");
  }
  if (s.size % s.patch_size != 0) {
    fail("size " + std::to_string(s.size) + " is not a multiple of the patch size " + std::to_string(s.patch_size));
  }
  if (!(s.local_scale_min > 0 && s.local_scale_min <= s.local_scale_max && s.local_scale_max <= 1)) {
    fail("local crop scale [" + std::to_string(s.local_scale_min) + ", " + std::to_string(s.local_scale_max) +
         "] must satisfy 0 < min <= max <= 1");
  }
  for (float deviation : s.std) {
    if (!(deviation > 0)) fail("normalisation std must be positive");
  }
  if (s.views != "all" && s.views != "original" && s.views != "enhanced") {
    fail("views must be \"all\", \"original\" or \"enhanced\", not \"" + s.views + "\"");
  }
  check_augment_settings(s);
}

size_t ClipViewBuilder::view_floats() const {
  return static_cast<size_t>(settings_.num_frames) * 3 * settings_.size * settings_.size;
}

size_t ClipViewBuilder::local_view_floats() const {
  return static_cast<size_t>(settings_.num_frames) * 3 * settings_.local_size * settings_.local_size;
}

ClipViews ClipViewBuilder::build(int64_t clip, uint64_t seed) const {
  ClipViews v;
  v.original.resize(view_floats());
  ViewTargets targets{v.original.data()};
  if (!settings_.single_view()) {
    v.enhanced.resize(view_floats());
    v.mixed.resize(view_floats());
    v.local.resize(local_view_floats());
    targets = {v.original.data(), v.enhanced.data(), v.mixed.data(), v.local.data()};
  }
  build_into(clip, seed, targets, &v);
  return v;
}

void ClipViewBuilder::global_view(int64_t clip, const std::vector<int>& frames, bool enhanced, float* out) const {
  if (settings_.augment.enabled()) {
    throw InputError("view settings: per-frame views (a feature cache) cannot be augmented per clip");
  }
  const int height = data_.height(), width = data_.width(), shorter = std::min(height, width);
  const size_t frame_bytes = static_cast<size_t>(height) * width * 3;
  const std::vector<int> pool = frame_pool(frames, {});
  const std::vector<uint8_t> pixels = data_.read_frames(clip, pool, enhanced);
  sample_frames(pick_frames(pixels, pool, frames, frame_bytes), width,
                resize_centre_crop_taps(settings_.size, height, shorter),
                resize_centre_crop_taps(settings_.size, width, shorter), settings_, out);
}

// Random draws, in this order: frames of o/e, mask(s), frames of l, crop of l; in
// single-view mode the frames, then (augment.kind != "none") the augmentation's.
void ClipViewBuilder::build_into(int64_t clip, uint64_t seed, const ViewTargets& targets, ClipViews* draws) const {
  const ViewSettings& s = settings_;
  const ClipRecord& record = data_.record(clip);
  const int height = data_.height(), width = data_.width();
  std::mt19937_64 rng(seed);
  ClipViews own_draws;
  ClipViews& v = draws ? *draws : own_draws;
  v.frames = segment_frame_indices(record.frame_count, s.num_frames, s.jitter, rng);
  const int shorter = std::min(height, width);
  const std::vector<Tap> rows = resize_centre_crop_taps(s.size, height, shorter);
  const std::vector<Tap> cols = resize_centre_crop_taps(s.size, width, shorter);
  const size_t frame_bytes = static_cast<size_t>(height) * width * 3;
  if (s.single_view()) {
    const std::vector<int> pool = frame_pool(v.frames, {});
    const std::vector<uint8_t> pixels = data_.read_frames(clip, pool, s.views == "enhanced");
    const std::vector<const uint8_t*> picked = pick_frames(pixels, pool, v.frames, frame_bytes);
    if (!s.augment.enabled()) {
      sample_frames(picked, width, rows, cols, s, targets.original);
      return;
    }
    // The crop resized to size x size (the flip: the column taps reversed), as the local view's crop.
    const AugmentDraws& a = v.augment = draw_augmentation(height, width, s.size, s.augment, rng);
    const std::vector<Tap> crop_rows =
        axis_taps(s.size, a.top, static_cast<double>(a.height) / s.size, a.top, a.top + a.height - 1);
    std::vector<Tap> crop_cols =
        axis_taps(s.size, a.left, static_cast<double>(a.width) / s.size, a.left, a.left + a.width - 1);
    if (a.flip) std::reverse(crop_cols.begin(), crop_cols.end());
    if (!a.jitter && !a.grayscale) {
      sample_frames(picked, width, crop_rows, crop_cols, s, targets.original);
      return;
    }
    // Colour: on the [0, 1] values (mean 0, std 1 gives x / 255 exactly), then normalised.
    ViewSettings unit = s;
    unit.mean = {0.0f, 0.0f, 0.0f};
    unit.std = {1.0f, 1.0f, 1.0f};
    sample_frames(picked, width, crop_rows, crop_cols, unit, targets.original);
    const size_t plane = static_cast<size_t>(s.size) * s.size;
    for (int t = 0; t < s.num_frames; ++t) augment_frame_colour(a, targets.original + t * 3 * plane, plane);
    normalise_frames(targets.original, s.num_frames, plane, s);
    return;
  }
  const int cells = (s.size / s.patch_size) * (s.size / s.patch_size);
  v.mask.clear();
  for (int m = 0; m < (s.mask_per_frame ? s.num_frames : 1); ++m) {
    const std::vector<uint8_t> mask = balanced_patch_mask(cells, rng);
    v.mask.insert(v.mask.end(), mask.begin(), mask.end());
  }
  v.local_frames = segment_frame_indices(record.frame_count, s.num_frames, s.jitter, rng);
  const Crop crop = random_resized_crop(height, width, s.local_scale_min, s.local_scale_max, rng);

  // Each stored frame is read (and inflated) once: o and l share the original frames' pool.
  const std::vector<int> pool = frame_pool(v.frames, v.local_frames), enhanced_pool = frame_pool(v.frames, {});
  const std::vector<uint8_t> originals = data_.read_frames(clip, pool, false);
  const std::vector<uint8_t> enhanced = data_.read_frames(clip, enhanced_pool, true);
  sample_frames(pick_frames(originals, pool, v.frames, frame_bytes), width, rows, cols, s, targets.original);
  sample_frames(pick_frames(enhanced, enhanced_pool, v.frames, frame_bytes), width, rows, cols, s, targets.enhanced);
  mix_views(v.mask, targets.original, targets.enhanced, s, targets.mixed);

  const std::vector<Tap> local_rows = axis_taps(s.local_size, crop.top, static_cast<double>(crop.height) / s.local_size,
                                                crop.top, crop.top + crop.height - 1);
  const std::vector<Tap> local_cols = axis_taps(s.local_size, crop.left, static_cast<double>(crop.width) / s.local_size,
                                                crop.left, crop.left + crop.width - 1);
  sample_frames(pick_frames(originals, pool, v.local_frames, frame_bytes), width, local_rows, local_cols, s,
                targets.local);
}

}  // namespace dap
