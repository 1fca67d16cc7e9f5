#include "core/train/schedules.h"

#include <cmath>

namespace dap {

std::vector<double> cosine_schedule(double base, double final, int64_t epochs, int64_t steps_per_epoch,
                                    int64_t warmup_steps, double warmup_start) {
  const int64_t total = epochs * steps_per_epoch;
  if (warmup_steps > total) warmup_steps = total;
  std::vector<double> values;
  values.reserve(static_cast<size_t>(total));
  for (int64_t i = 0; i < warmup_steps; ++i) {
    // np.linspace(warmup_start, base, warmup_steps)
    const double t = warmup_steps == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(warmup_steps - 1);
    values.push_back(warmup_start + (base - warmup_start) * t);
  }
  const int64_t rest = total - warmup_steps;
  for (int64_t i = 0; i < rest; ++i) {
    // DINO: final + 0.5 (base - final)(1 + cos(pi i / len(iters))), len(iters) = rest
    values.push_back(final + 0.5 * (base - final) * (1.0 + std::cos(M_PI * static_cast<double>(i) / rest)));
  }
  return values;
}

}  // namespace dap
