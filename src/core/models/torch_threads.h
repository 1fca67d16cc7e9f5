// This rank's libtorch intra-op threads, set without callers including torch
// (OpenBLAS has its own setting: core/base/blas_threads.h).
#pragma once

namespace dap {

// torch::set_num_threads(intra_op); Error when intra_op < 1.
void set_torch_threads(int intra_op);

}  // namespace dap
