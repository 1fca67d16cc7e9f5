#include "core/dist/shared_counters.h"

#include <string>

#include "core/base/error.h"
#include "core/dist/mpi_context.h"
#include "core/dist/stall_watchdog.h"

namespace dap {

SharedCounters::SharedCounters(int count) : count_(count) {
  int rank = 0;
  DAP_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  const MPI_Aint bytes = rank == 0 ? static_cast<MPI_Aint>(count) * sizeof(int64_t) : 0;
  int64_t* base = nullptr;
  DAP_MPI_CHECK(MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &window_));
  if (rank == 0) {
    for (int i = 0; i < count; ++i) base[i] = 0;
  }
  PeerWait wait("the shared work counter's set-up");
  DAP_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));  // zeroed before anyone adds
  DAP_MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_));
}

SharedCounters::~SharedCounters() {
  if (window_ == MPI_WIN_NULL) return;
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

int64_t SharedCounters::fetch_add(int index, int64_t delta) {
  if (index < 0 || index >= count_) throw Error("SharedCounters: index " + std::to_string(index) + " out of range");
  PeerWait wait("a claim from the shared work counter on rank 0");
  int64_t previous = 0;
  DAP_MPI_CHECK(MPI_Fetch_and_op(&delta, &previous, MPI_INT64_T, /*target_rank=*/0, index, MPI_SUM, window_));
  DAP_MPI_CHECK(MPI_Win_flush(0, window_));
  return previous;
}

}  // namespace dap
