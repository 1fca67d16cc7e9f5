#include "pretrain/pretrain_schedules.h"

#include <cmath>

#include "core/train/schedules.h"

namespace dap {

std::vector<double> teacher_temperature_schedule(double warmup, double final, int64_t warmup_epochs,
                                                 int64_t epochs) {
  std::vector<double> values;
  for (int64_t e = 0; e < epochs; ++e) {
    if (e < warmup_epochs) {
      const double t = warmup_epochs == 1 ? 0.0 : static_cast<double>(e) / static_cast<double>(warmup_epochs - 1);
      values.push_back(warmup + (final - warmup) * t);
    } else {
      values.push_back(final);
    }
  }
  return values;
}

StepSchedules make_schedules(const config::PretrainConfig& c, int64_t steps_per_epoch) {
  StepSchedules s;
  s.steps_per_epoch = steps_per_epoch;
  const auto warmup = static_cast<int64_t>(std::llround(c.optim.warmup_epochs * steps_per_epoch));
  s.lr = cosine_schedule(c.optim.lr, c.optim.min_lr, c.optim.epochs, steps_per_epoch, warmup);
  s.weight_decay = cosine_schedule(c.optim.weight_decay, c.optim.weight_decay_end, c.optim.epochs, steps_per_epoch, 0);
  s.momentum = cosine_schedule(c.distillation.momentum_teacher, 1.0, c.optim.epochs, steps_per_epoch, 0);
  s.teacher_temp = teacher_temperature_schedule(c.distillation.warmup_teacher_temp, c.distillation.teacher_temp,
                                                c.distillation.warmup_teacher_temp_epochs, c.optim.epochs);
  return s;
}

}  // namespace dap
