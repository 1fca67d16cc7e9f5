#include "core/base/blas_threads.h"

#include <dlfcn.h>

namespace dap {

bool set_openblas_threads(int threads) {
  // Looked up at run time: libtorch links "a BLAS", and only OpenBLAS has this symbol.
  using SetThreads = void (*)(int);
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!set) return false;
  set(threads);
  return true;
}

}  // namespace dap
