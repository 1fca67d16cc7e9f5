#include "tools/synth/action_scene.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/base/random.h"

namespace dap::synth {
namespace {

double uniform(std::mt19937_64& rng, double low, double high) { return low + (high - low) * random_unit(rng); }

// Where the bar is in frame t of T: centre, angle (radians), scale.
struct Pose {
  double x, y, angle, scale;
};

constexpr int kDistractors = 2;
constexpr int kSupersample = 2;  // 2x2 samples per pixel: smooth sub-pixel motion

}  // namespace

const std::vector<std::string>& action_classes() {
  static const std::vector<std::string> names = {"move_left", "move_right", "rotate_cw",
                                                 "rotate_ccw", "approach", "retreat"};
  return names;
}

const std::vector<SceneStyle>& scene_styles() {
  static const std::vector<SceneStyle> styles = {
      {"sunlit", {205, 175, 120}, 45, 3.0, {200, 40, 30}, {60, 90, 200}},
      {"overcast", {140, 150, 165}, 25, 5.0, {40, 150, 60}, {200, 200, 210}},
      {"studio", {90, 85, 80}, 60, 8.0, {230, 210, 40}, {200, 80, 160}},
      {"night", {120, 110, 100}, 40, 4.0, {230, 230, 235}, {180, 120, 60}},
  };
  return styles;
}

const SceneStyle& scene_style(const std::string& name) {
  for (const auto& style : scene_styles()) {
    if (style.name == name) return style;
  }
  throw Error("unknown scene style '" + name + "' (sunlit, overcast, studio, night)");
}

std::vector<uint8_t> render_action_clip(const ClipSpec& spec, const SceneStyle& style) {
  if (spec.label < 0 || spec.label >= static_cast<int>(action_classes().size()) || spec.size < 8 || spec.frames < 2) {
    throw Error("render_action_clip: bad clip spec");
  }
  std::mt19937_64 rng(spec.seed);
  const double size = spec.size;
  // Background: two oriented sine textures with random phases, colour jittered per clip.
  const double f1 = style.texture_frequency * 2 * M_PI / size, f2 = 1.7 * f1;
  const double a1 = uniform(rng, 0, M_PI), a2 = uniform(rng, 0, M_PI);
  const double p1 = uniform(rng, 0, 2 * M_PI), p2 = uniform(rng, 0, 2 * M_PI);
  std::array<double, 3> background;
  for (int c = 0; c < 3; ++c) background[c] = style.background[c] + uniform(rng, -15, 15);

  // The bar: random start pose; the class decides what changes over the clip.
  const double bar_length = size * uniform(rng, 0.45, 0.55);
  const double bar_width = bar_length * uniform(rng, 0.30, 0.40);
  const double stripes = uniform(rng, 3, 5);
  Pose start{uniform(rng, 0.35, 0.65) * size, uniform(rng, 0.35, 0.65) * size, uniform(rng, 0, M_PI),
             uniform(rng, 0.8, 1.1)};
  const double travel = size * uniform(rng, 0.35, 0.45), turn = uniform(rng, 0.6, 1.0) * M_PI / 2,
               zoom = uniform(rng, 1.5, 1.8);
  const auto pose_at = [&](double progress) {  // progress in [0, 1]
    Pose p = start;
    switch (spec.label) {
      case 0: p.x = start.x + travel * (0.5 - progress); break;   // move_left
      case 1: p.x = start.x + travel * (progress - 0.5); break;   // move_right
      case 2: p.angle = start.angle + turn * progress; break;     // rotate_cw (y points down)
      case 3: p.angle = start.angle - turn * progress; break;     // rotate_ccw
      case 4: p.scale = start.scale * std::pow(zoom, progress - 0.5); break;  // approach
      default: p.scale = start.scale * std::pow(zoom, 0.5 - progress); break;  // retreat
    }
    return p;
  };
  // Distractor discs: random positions and straight random drifts.
  std::array<Pose, kDistractors> disc_start, disc_drift;
  for (int d = 0; d < kDistractors; ++d) {
    disc_start[d] = {uniform(rng, 0.1, 0.9) * size, uniform(rng, 0.1, 0.9) * size, 0, uniform(rng, 0.06, 0.1) * size};
    const double direction = uniform(rng, 0, 2 * M_PI);
    disc_drift[d] = {std::cos(direction) * size * 0.15, std::sin(direction) * size * 0.15, 0, 0};
  }
  const double light = uniform(rng, 0.85, 1.15);  // overall light level of this clip

  std::vector<uint8_t> out(static_cast<size_t>(spec.frames) * spec.size * spec.size * 3);
  for (int t = 0; t < spec.frames; ++t) {
    const double progress = static_cast<double>(t) / (spec.frames - 1);
    const Pose bar = pose_at(progress);
    const double cos_a = std::cos(bar.angle), sin_a = std::sin(bar.angle);
    for (int y = 0; y < spec.size; ++y) {
      for (int x = 0; x < spec.size; ++x) {
        std::array<double, 3> sum{0, 0, 0};
        for (int sy = 0; sy < kSupersample; ++sy) {
          for (int sx = 0; sx < kSupersample; ++sx) {
            const double px = x + (sx + 0.5) / kSupersample, py = y + (sy + 0.5) / kSupersample;
            const double texture = 0.5 * std::sin(f1 * (px * std::cos(a1) + py * std::sin(a1)) + p1) +
                                   0.5 * std::sin(f2 * (px * std::cos(a2) + py * std::sin(a2)) + p2);
            std::array<double, 3> colour;
            for (int c = 0; c < 3; ++c) colour[c] = background[c] + style.texture_contrast * texture;
            for (int d = 0; d < kDistractors; ++d) {
              const double dx = px - (disc_start[d].x + disc_drift[d].x * progress);
              const double dy = py - (disc_start[d].y + disc_drift[d].y * progress);
              if (dx * dx + dy * dy < disc_start[d].scale * disc_start[d].scale) colour = style.distractor;
            }
            // The bar in its own frame: u along its length, v across.
            const double u = (cos_a * (px - bar.x) + sin_a * (py - bar.y)) / bar.scale;
            const double v = (-sin_a * (px - bar.x) + cos_a * (py - bar.y)) / bar.scale;
            if (std::abs(u) < bar_length / 2 && std::abs(v) < bar_width / 2) {
              // Stripes across the bar and a darker head end make rotation sense visible.
              const double stripe = std::sin(2 * M_PI * stripes * u / bar_length) > 0 ? 1.0 : 0.6;
              const double head = u > bar_length * 0.3 ? 0.5 : 1.0;
              for (int c = 0; c < 3; ++c) colour[c] = style.actor[c] * stripe * head;
            }
            for (int c = 0; c < 3; ++c) sum[c] += colour[c];
          }
        }
        uint8_t* pixel = &out[((static_cast<size_t>(t) * spec.size + y) * spec.size + x) * 3];
        for (int c = 0; c < 3; ++c) {
          pixel[c] = static_cast<uint8_t>(std::clamp(std::lround(light * sum[c] / (kSupersample * kSupersample)),
                                                     0L, 255L));
        }
      }
    }
  }
  return out;
}

}  // namespace dap::synth
