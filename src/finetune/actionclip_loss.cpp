#include "finetune/actionclip_loss.h"

#include <torch/torch.h>

namespace dap {

torch::Tensor actionclip_kl_loss(const torch::Tensor& pair_logits, const torch::Tensor& labels) {
  const torch::Tensor same = labels.unsqueeze(1).eq(labels.unsqueeze(0)).to(pair_logits.scalar_type());
  const torch::Tensor target = torch::softmax(10.0 * same, 1);  // symmetric, so also the text->video target
  const double batch = static_cast<double>(pair_logits.size(0));
  const auto direction = [&](const torch::Tensor& logits) {
    return (target * (target.log() - torch::log_softmax(logits, 1))).sum() / batch;
  };
  return (direction(pair_logits) + direction(pair_logits.t())) / 2.0;
}

}  // namespace dap
