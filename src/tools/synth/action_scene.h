// Synthetic actions that no single frame can tell apart (the demo's
// data): a striped bar on a textured background with moving distractor discs,
// where only the motion over the clip gives the class. Every clip's start state
// (position, angle, size, colours) is random, so the first frame of one class
// looks like a frame of any other. Styles stand for different source domains
// (lighting, palette, texture); the dark domain is a style recorded by the
// low-light camera of low_light.h. Deterministic from the seed.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace dap::synth {

// The classes, in label order.
const std::vector<std::string>& action_classes();  // move_left, move_right, rotate_cw, rotate_ccw, approach, retreat

struct SceneStyle {
  std::string name;
  std::array<double, 3> background;  // base colour, 0..255
  double texture_contrast;           // amplitude of the background texture, 0..255
  double texture_frequency;          // cycles per frame width
  std::array<double, 3> actor;       // the bar's colour
  std::array<double, 3> distractor;  // the discs' colour
};

// The styles of the bright source domains ("sunlit", "overcast", "studio") and
// "night", a fourth (dap-synth --dark-styles night: a dark domain unlike the sources).
const std::vector<SceneStyle>& scene_styles();
const SceneStyle& scene_style(const std::string& name);  // throws Error for an unknown name

struct ClipSpec {
  int label = 0;
  int size = 64;     // square frames, even
  int frames = 16;
  uint64_t seed = 0;
};

// [frames, size, size, 3] RGB uint8 of one clip.
std::vector<uint8_t> render_action_clip(const ClipSpec& spec, const SceneStyle& style);

}  // namespace dap::synth
