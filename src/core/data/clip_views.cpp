#include "core/data/clip_views.h"

#include <algorithm>
#include <cmath>
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

// Bilinear samples of `count` HWC uint8 frames, normalised, as [count, 3, rows, cols].
std::vector<float> sample_frames(const std::vector<uint8_t>& pixels, int count, int width,
                                 const std::vector<Tap>& rows, const std::vector<Tap>& cols, const ViewSettings& s) {
  const size_t plane = rows.size() * cols.size();
  const size_t frame_bytes = pixels.size() / std::max(count, 1);
  std::vector<float> out(static_cast<size_t>(count) * 3 * plane);
  for (int t = 0; t < count; ++t) {
    const uint8_t* frame = pixels.data() + t * frame_bytes;
    float* target = out.data() + t * 3 * plane;
    for (size_t y = 0; y < rows.size(); ++y) {
      const Tap r = rows[y];
      const uint8_t* row_low = frame + static_cast<size_t>(r.low) * width * 3;
      const uint8_t* row_high = frame + static_cast<size_t>(r.high) * width * 3;
      for (size_t x = 0; x < cols.size(); ++x) {
        const Tap c = cols[x];
        for (int ch = 0; ch < 3; ++ch) {
          // a + w * (b - a): exact for equal neighbours, so flat regions and unscaled copies keep their values.
          const float top_left = row_low[c.low * 3 + ch], bottom_left = row_high[c.low * 3 + ch];
          const float top = top_left + c.weight * (row_low[c.high * 3 + ch] - top_left);
          const float bottom = bottom_left + c.weight * (row_high[c.high * 3 + ch] - bottom_left);
          const float value = top + r.weight * (bottom - top);
          target[ch * plane + y * cols.size() + x] = (value / 255.0f - s.mean[ch]) / s.std[ch];
        }
      }
    }
  }
  return out;
}

// m = mask*o + (1-mask)*e per PxP cell, by copying (so each pixel equals o or e exactly).
std::vector<float> mix_views(const ClipViews& v, const ViewSettings& s) {
  const int grid = s.size / s.patch_size;
  const size_t plane = static_cast<size_t>(s.size) * s.size;
  std::vector<float> mixed(v.original.size());
  for (int t = 0; t < s.num_frames; ++t) {
    const uint8_t* mask = v.mask.data() + (s.mask_per_frame ? t * grid * grid : 0);
    for (int ch = 0; ch < 3; ++ch) {
      const size_t base = (static_cast<size_t>(t) * 3 + ch) * plane;
      for (int y = 0; y < s.size; ++y) {
        for (int x = 0; x < s.size; ++x) {
          const size_t i = base + static_cast<size_t>(y) * s.size + x;
          mixed[i] = mask[(y / s.patch_size) * grid + x / s.patch_size] ? v.original[i] : v.enhanced[i];
        }
      }
    }
  }
  return mixed;
}

}  // namespace

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
}

// Random draws, in this order: frames of o/e, mask(s), frames of l, crop of l.
ClipViews ClipViewBuilder::build(int64_t clip, uint64_t seed) const {
  const ViewSettings& s = settings_;
  const ClipRecord& record = data_.record(clip);
  const int height = data_.height(), width = data_.width();
  std::mt19937_64 rng(seed);
  ClipViews v;
  v.frames = segment_frame_indices(record.frame_count, s.num_frames, s.jitter, rng);
  const int shorter = std::min(height, width);
  const std::vector<Tap> rows = resize_centre_crop_taps(s.size, height, shorter);
  const std::vector<Tap> cols = resize_centre_crop_taps(s.size, width, shorter);
  if (s.single_view()) {
    v.original = sample_frames(data_.read_frames(clip, v.frames, s.views == "enhanced"), s.num_frames, width, rows,
                               cols, s);
    return v;
  }
  const int cells = (s.size / s.patch_size) * (s.size / s.patch_size);
  for (int m = 0; m < (s.mask_per_frame ? s.num_frames : 1); ++m) {
    const std::vector<uint8_t> mask = balanced_patch_mask(cells, rng);
    v.mask.insert(v.mask.end(), mask.begin(), mask.end());
  }
  v.local_frames = segment_frame_indices(record.frame_count, s.num_frames, s.jitter, rng);
  const Crop crop = random_resized_crop(height, width, s.local_scale_min, s.local_scale_max, rng);

  v.original = sample_frames(data_.read_frames(clip, v.frames, false), s.num_frames, width, rows, cols, s);
  v.enhanced = sample_frames(data_.read_frames(clip, v.frames, true), s.num_frames, width, rows, cols, s);
  v.mixed = mix_views(v, s);

  const std::vector<Tap> local_rows = axis_taps(s.local_size, crop.top, static_cast<double>(crop.height) / s.local_size,
                                                crop.top, crop.top + crop.height - 1);
  const std::vector<Tap> local_cols = axis_taps(s.local_size, crop.left, static_cast<double>(crop.width) / s.local_size,
                                                crop.left, crop.left + crop.width - 1);
  v.local = sample_frames(data_.read_frames(clip, v.local_frames, false), s.num_frames, width, local_rows, local_cols,
                          s);
  return v;
}

}  // namespace dap
