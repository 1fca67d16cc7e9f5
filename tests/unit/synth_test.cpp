// The demo's synthetic data (src/tools/synth): the low-light camera's photon and
// read noise statistics, and that each action class moves the bar as named
// (measured from the rendered pixels), deterministically from the seed.
#include <gtest/gtest.h>

#include <cmath>

#include "core/base/error.h"
#include "tools/synth/action_scene.h"
#include "tools/synth/low_light.h"

namespace dap::synth {
namespace {

TEST(LowLight, PoissonAndNormalHaveTheirMoments) {
  std::mt19937_64 rng(3);
  for (double mean : {4.0, 100.0}) {
    double sum = 0, square = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      const double x = static_cast<double>(poisson(mean, rng));
      sum += x;
      square += x * x;
    }
    const double m = sum / n, variance = square / n - m * m;
    EXPECT_NEAR(m, mean, 0.02 * mean) << "mean " << mean;
    EXPECT_NEAR(variance, mean, 0.05 * mean) << "variance for mean " << mean;
  }
  double sum = 0, square = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = standard_normal(rng);
    sum += x;
    square += x * x;
  }
  EXPECT_NEAR(sum / 200000, 0.0, 0.01);
  EXPECT_NEAR(square / 200000, 1.0, 0.02);
}

TEST(LowLight, DarkensWithShotAndReadNoiseAsModelled) {
  // A uniform grey frame: 200 -> linear 0.58; 0.03 x 2000 x 0.58 = 35 electrons on average,
  // x gain 3 / 2000 = 0.052 linear -> 255 x 0.052^(1/2.2) = 67 on average (before noise).
  const std::vector<uint8_t> grey(3 * 100 * 100, 200);
  LowLightCamera camera;
  std::mt19937_64 rng(1), again(1);
  const auto dark = record_low_light(grey, camera, rng);
  EXPECT_EQ(dark, record_low_light(grey, camera, again)) << "deterministic from the generator";
  double sum = 0, square = 0;
  for (uint8_t v : dark) {
    sum += v;
    square += static_cast<double>(v) * v;
  }
  const double mean = sum / dark.size(), sd = std::sqrt(square / dark.size() - mean * mean);
  const double electrons = to_linear(200) * camera.exposure * camera.full_well;
  const double expected = 255 * std::pow(camera.gain * electrons / camera.full_well, 1 / camera.gamma);
  EXPECT_NEAR(mean, expected, 2.0);
  // Noise: sqrt(35 + 16) electrons, through the gamma's slope at the mean.
  const double slope = 255 / camera.gamma * std::pow(camera.gain * electrons / camera.full_well, 1 / camera.gamma - 1) *
                       camera.gain / camera.full_well;
  EXPECT_NEAR(sd, slope * std::sqrt(electrons + camera.read_noise * camera.read_noise), 0.6);
}

// The bar of the "sunlit" style is red: pixels with r > 2g and r > 2b.
struct Blob {
  double count = 0, x = 0, y = 0, xx = 0, yy = 0, xy = 0;
  double angle() const {  // orientation of the pixel cloud, radians in (-pi/2, pi/2]
    const double mx = x / count, my = y / count;
    return 0.5 * std::atan2(2 * (xy / count - mx * my), (xx / count - mx * mx) - (yy / count - my * my));
  }
};

Blob red_blob(const std::vector<uint8_t>& frames, int size, int t) {
  Blob b;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const uint8_t* p = &frames[((static_cast<size_t>(t) * size + y) * size + x) * 3];
      if (p[0] > 50 && p[0] > 2 * p[1] && p[0] > 2 * p[2]) {
        b.count += 1;
        b.x += x;
        b.y += y;
        b.xx += x * x;
        b.yy += y * y;
        b.xy += x * y;
      }
    }
  }
  return b;
}

TEST(ActionScene, EachClassMovesTheBarAsNamed) {
  const SceneStyle& style = scene_style("sunlit");
  const int size = 64, frames = 16;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    std::vector<std::vector<uint8_t>> clips;
    for (int label = 0; label < 6; ++label) {
      clips.push_back(render_action_clip({label, size, frames, seed}, style));
      ASSERT_EQ(clips.back().size(), static_cast<size_t>(frames) * size * size * 3);
    }
    const auto first = [&](int label) { return red_blob(clips[label], size, 0); };
    const auto last = [&](int label) { return red_blob(clips[label], size, frames - 1); };
    EXPECT_LT(last(0).x / last(0).count, first(0).x / first(0).count - 5) << "move_left, seed " << seed;
    EXPECT_GT(last(1).x / last(1).count, first(1).x / first(1).count + 5) << "move_right, seed " << seed;
    EXPECT_GT(last(4).count, 1.5 * first(4).count) << "approach grows, seed " << seed;
    EXPECT_LT(last(5).count, first(5).count / 1.5) << "retreat shrinks, seed " << seed;
    // Rotation: a few frames apart the orientation changes by well under 90 degrees.
    for (int label : {2, 3}) {
      double turn = red_blob(clips[label], size, 4).angle() - red_blob(clips[label], size, 0).angle();
      if (turn > M_PI / 2) turn -= M_PI;
      if (turn < -M_PI / 2) turn += M_PI;
      if (label == 2) EXPECT_GT(turn, 0.05) << "rotate_cw (y down), seed " << seed;
      if (label == 3) EXPECT_LT(turn, -0.05) << "rotate_ccw, seed " << seed;
    }
  }
  EXPECT_EQ(render_action_clip({2, size, frames, 9}, style), render_action_clip({2, size, frames, 9}, style));
  EXPECT_THROW(scene_style("moonlit"), Error);
}

}  // namespace
}  // namespace dap::synth
