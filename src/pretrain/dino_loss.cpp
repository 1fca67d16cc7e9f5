#include "pretrain/dino_loss.h"

#include <torch/torch.h>

namespace dap {

DinoLoss::DinoLoss(int64_t out_dim, double student_temp, double center_momentum, SumAllReduce* reducer, int world)
    : student_temp_(student_temp),
      center_momentum_(center_momentum),
      reducer_(reducer),
      world_(world),
      center_(torch::zeros({1, out_dim})) {}

torch::Tensor DinoLoss::forward(const torch::Tensor& student, const torch::Tensor& teacher, int64_t student_views,
                                int64_t teacher_views, double teacher_temp) const {
  const auto student_log_probs = torch::log_softmax(student / student_temp_, -1).chunk(student_views);
  const auto teacher_probs =
      torch::softmax((teacher - center_.to(teacher.device())) / teacher_temp, -1).detach().chunk(teacher_views);
  torch::Tensor total = torch::zeros({}, student.options());
  int64_t pairs = 0;
  for (int64_t t = 0; t < teacher_views; ++t) {
    for (int64_t s = 0; s < student_views; ++s) {
      if (s == t) continue;  // same view
      total = total + torch::sum(-teacher_probs[t] * student_log_probs[s], -1).mean();
      ++pairs;
    }
  }
  return total / static_cast<double>(pairs);
}

void DinoLoss::update_center(const torch::Tensor& teacher) {
  torch::NoGradGuard no_grad;
  torch::Tensor batch_sum = teacher.sum(0, /*keepdim=*/true).to(torch::kFloat).contiguous();
  int64_t rows = teacher.size(0);
  if (reducer_ != nullptr) {
    reducer_->sum(batch_sum.data_ptr<float>(), static_cast<size_t>(batch_sum.numel()));
    rows *= world_;
  }
  if (center_.device() != teacher.device()) center_ = center_.to(teacher.device());
  center_.mul_(center_momentum_).add_(batch_sum / static_cast<double>(rows), 1.0 - center_momentum_);
}

}  // namespace dap
