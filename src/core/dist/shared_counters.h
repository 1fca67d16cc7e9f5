// A few int64 counters living on rank 0 that every rank can add to atomically
// without rank 0's participation (MPI one-sided, passive target). Used for
// dynamic work distribution: each rank claims the next item when it is free,
// so a rank that drew long videos simply claims fewer of them.
#pragma once

#include <mpi.h>

#include <cstdint>

namespace dap {

class SharedCounters {
 public:
  // Collective: every rank must construct (and destroy) it together.
  explicit SharedCounters(int count);
  ~SharedCounters();
  SharedCounters(const SharedCounters&) = delete;
  SharedCounters& operator=(const SharedCounters&) = delete;

  // Atomically adds delta to counter `index` and returns its previous value.
  int64_t fetch_add(int index, int64_t delta);
  int64_t read(int index) { return fetch_add(index, 0); }

 private:
  MPI_Win window_ = MPI_WIN_NULL;
  int count_;
};

}  // namespace dap
