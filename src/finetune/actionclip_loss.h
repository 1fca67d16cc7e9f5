// ActionCLIP's fine-tuning loss (METHOD.md 5; its utils/KLLoss.py and
// train.py): the batch's video-text similarities against its same-label
// matrix, in both directions.
#pragma once

#include <torch/types.h>

namespace dap {

// pair_logits [B, B]: logit_scale x cosine of video i and the text of clip j;
// labels [B]. The target of row i is softmax(10 * [label_i == label_j]) over j;
// each direction costs sum_i KL(target_i || softmax(row_i)) / B (KLDivLoss's
// mean over B x B entries, times B, as ActionCLIP), and the loss is the mean
// of the video->text (rows) and text->video (columns) directions.
torch::Tensor actionclip_kl_loss(const torch::Tensor& pair_logits, const torch::Tensor& labels);

}  // namespace dap
