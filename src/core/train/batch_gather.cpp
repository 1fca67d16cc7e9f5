#include "core/train/batch_gather.h"

#include <torch/torch.h>

namespace dap {

torch::Tensor gather_batch_rows(const torch::Tensor& local, SumAllReduce& reducer, int rank, int ranks) {
  if (ranks == 1) return local;
  const int64_t rows = local.size(0);
  std::vector<int64_t> shape = local.sizes().vec();
  shape[0] = rows * ranks;
  // Each rank writes its rows into zeros; the sum over ranks is then every rank's rows, bit for bit.
  torch::Tensor all = torch::zeros(shape, local.options().dtype(torch::kFloat).requires_grad(false));
  all.narrow(0, rank * rows, rows).copy_(local.detach());
  reducer.sum(all.data_ptr<float>(), static_cast<size_t>(all.numel()));
  all = all.to(local.scalar_type());
  std::vector<torch::Tensor> parts;
  if (rank > 0) parts.push_back(all.narrow(0, 0, rank * rows));
  parts.push_back(local);
  if (rank + 1 < ranks) parts.push_back(all.narrow(0, (rank + 1) * rows, (ranks - rank - 1) * rows));
  return torch::cat(parts, 0);
}

}  // namespace dap
