// Warm-up + cosine schedules, precomputed for every global step as DINO's
// cosine_scheduler does (facebookresearch/dino utils.py), so a resumed run
// reads the same values at the same step.
#pragma once

#include <cstdint>
#include <vector>

namespace dap {

// `warmup_steps` linear steps from `warmup_start` to `base`, then a cosine from
// `base` to `final` over the remaining steps: value(i) = final + (base - final)
// * (1 + cos(pi * i / n)) / 2 for the i-th of the n steps after warm-up. Returns
// epochs * steps_per_epoch values.
std::vector<double> cosine_schedule(double base, double final, int64_t epochs, int64_t steps_per_epoch,
                                    int64_t warmup_steps, double warmup_start = 0.0);

}  // namespace dap
