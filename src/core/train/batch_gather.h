// The global batch from every rank's share of it, for losses that compare the
// clips of a batch with each other (ActionCLIP's video-text matrix): what one
// process would see with the whole batch, so the loss does not depend on the
// rank count (open_clip's gather_features does the same for CLIP's loss).
#pragma once

#include <torch/types.h>

#include "core/dist/sum_allreduce.h"

namespace dap {

// The rows of every rank's `local` [b, ...] (the same shape on every rank),
// concatenated in rank order: [ranks * b, ...]. This rank's rows are `local`
// itself and keep its gradient; the others' are constants. A loss over the
// result seen by every rank gives each rank the gradient through its own rows
// only: scale that loss by `ranks` before the backward pass and the averaged
// gradient (GradientAverager) is the global batch's. Collective: every rank
// calls it in the same order. Exact: the rows travel as float32 (a sum with zeros).
torch::Tensor gather_batch_rows(const torch::Tensor& local, SumAllReduce& reducer, int rank, int ranks);

}  // namespace dap
