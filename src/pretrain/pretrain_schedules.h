// The schedules of self-distillation (METHOD.md 4): learning rate and weight
// decay per step (cosine after linear warm-up), the teacher's EMA momentum
// per step (cosine from momentum_teacher to 1) and the teacher temperature
// per epoch, precomputed so that a resumed run reads the same values.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/pretrain_config.h"

namespace dap {

// DINO's teacher temperature: linear from `warmup` to `final` over the first
// `warmup_epochs` epochs, then constant. One value per epoch.
std::vector<double> teacher_temperature_schedule(double warmup, double final, int64_t warmup_epochs,
                                                 int64_t epochs);

// Everything that changes with the global step, in one place.
struct StepSchedules {
  std::vector<double> lr, weight_decay, momentum;  // per global step
  std::vector<double> teacher_temp;                // per epoch
  int64_t steps_per_epoch = 0;

  int64_t total_steps() const { return static_cast<int64_t>(lr.size()); }
};

StepSchedules make_schedules(const config::PretrainConfig& config, int64_t steps_per_epoch);

}  // namespace dap
