#include "core/models/torch_threads.h"

#include <string>

#include <torch/torch.h>

#include "core/base/error.h"

namespace dap {

void set_torch_threads(int intra_op) {
  if (intra_op < 1) throw Error("torch intra-op threads must be >= 1, got " + std::to_string(intra_op));
  torch::set_num_threads(intra_op);
}

}  // namespace dap
