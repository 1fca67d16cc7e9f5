// OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded, before main() runs;
// the config's thread count is applied afterwards through its own API.
#pragma once

namespace dap {

// Returns false when the BLAS in use is not OpenBLAS (the call is then a no-op).
bool set_openblas_threads(int threads);

}  // namespace dap
