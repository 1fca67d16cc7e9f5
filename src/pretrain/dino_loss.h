// DINO's self-distillation loss with centring (Caron et al. 2021,
// facebookresearch/dino DINOLoss), over the views of METHOD.md 4: the teacher
// sees {o, e, m}, the student {o, e, m, l}, and every (teacher view, student
// view) pair of different views contributes
//   -sum_k softmax((g_t - c) / tau_t)[k] * log_softmax(g_s / tau_s)[k],
// averaged over the batch and over the pairs. The centre c follows the
// all-reduced batch mean of the teacher scores with momentum m.
#pragma once

#include <torch/types.h>

#include "core/dist/sum_allreduce.h"

namespace dap {

class DinoLoss {
 public:
  // `reducer` sums the centre's batch statistics over ranks (world ranks);
  // null for a single process without MPI (tests).
  DinoLoss(int64_t out_dim, double student_temp, double center_momentum, SumAllReduce* reducer, int world);

  // student: [student_views * B, K] view-major; teacher: [teacher_views * B, K]
  // view-major, its first teacher_views views being the student's first ones
  // (those same-view pairs are skipped). Returns the scalar loss; the teacher
  // side carries no gradient.
  torch::Tensor forward(const torch::Tensor& student, const torch::Tensor& teacher, int64_t student_views,
                        int64_t teacher_views, double teacher_temp) const;

  // c <- m c + (1 - m) * mean of `teacher` over all ranks' rows.
  void update_center(const torch::Tensor& teacher);

  torch::Tensor& center() { return center_; }

 private:
  double student_temp_;
  double center_momentum_;
  SumAllReduce* reducer_;
  int world_;
  torch::Tensor center_;  // [1, K]
};

}  // namespace dap
