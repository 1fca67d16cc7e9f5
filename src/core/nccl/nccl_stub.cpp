// Stand-in for dap_nccl in builds without NCCL (DAP_WITH_NCCL=OFF or NCCL not
// found), linked through dap_comm so that every build has exactly one
// definition of the NCCL entry points of sum_allreduce.h.
#include <memory>
#include <string>

#include "core/base/error.h"
#include "core/dist/sum_allreduce.h"

namespace dap {

bool nccl_compiled_in() { return false; }

int cuda_device_count() { return 0; }

std::unique_ptr<SumAllReduce> make_nccl_sum_allreduce(int device) {
  throw Error("make_nccl_sum_allreduce(device " + std::to_string(device) +
              "): dap was built without NCCL; reconfigure with -DDAP_WITH_NCCL=ON where NCCL and the "
              "CUDA runtime are installed (e.g. under /usr/local/cuda), or use the MPI backend");
}

}  // namespace dap
