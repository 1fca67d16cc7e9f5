#include "tools/synth/low_light.h"

#include <algorithm>
#include <cmath>

#include "core/base/random.h"

namespace dap::synth {

double to_linear(uint8_t value) { return std::pow(value / 255.0, 2.2); }

double standard_normal(std::mt19937_64& rng) {
  // Box-Muller; 1 - u keeps the logarithm finite.
  const double u = 1.0 - random_unit(rng), v = random_unit(rng);
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

int64_t poisson(double mean, std::mt19937_64& rng) {
  if (mean <= 0) return 0;
  if (mean > 30) return std::max<int64_t>(0, std::llround(mean + std::sqrt(mean) * standard_normal(rng)));
  const double limit = std::exp(-mean);
  int64_t count = 0;
  for (double product = random_unit(rng); product > limit; product *= random_unit(rng)) ++count;
  return count;
}

std::vector<uint8_t> record_low_light(const std::vector<uint8_t>& bright, const LowLightCamera& c,
                                      std::mt19937_64& rng) {
  std::vector<uint8_t> out(bright.size());
  for (size_t i = 0; i < bright.size(); ++i) {
    const double electrons = static_cast<double>(poisson(to_linear(bright[i]) * c.exposure * c.full_well, rng)) +
                             c.read_noise * standard_normal(rng);
    const double linear = std::clamp(c.gain * electrons / c.full_well, 0.0, 1.0);
    out[i] = static_cast<uint8_t>(std::lround(255.0 * std::pow(linear, 1.0 / c.gamma)));
  }
  return out;
}

}  // namespace dap::synth
