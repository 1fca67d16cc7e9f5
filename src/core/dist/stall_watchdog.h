// A rank that waits on the others forever turns a lost node into a job that hangs
// until its time limit. Measured on the two-node test cluster (Open MPI 4.1, srun):
// when the node of rank 1 dies, rank 0 prints Open MPI's "peer process has
// unexpectedly disconnected" and then stays blocked in its all-reduce. So every
// wait on the other ranks is marked with a PeerWait, and a watchdog thread ends
// the process when one lasts longer than run.stall_timeout_s: one line naming the
// wait, exit kExitLostPeer, which the Slurm scripts requeue.
#pragma once

#include <cstdint>

namespace dap {

// Starts the watchdog thread (once per process). No-op for one rank, or when
// timeout_seconds <= 0 (run.stall_timeout_s = 0 turns it off).
void start_stall_watchdog(double timeout_seconds, int world_size);

// Marks a wait on the other ranks for as long as it lives (a collective, a remote
// counter, a training step that contains collectives). Nested waits count from
// the outermost. Used from the thread that calls MPI (MPI_THREAD_FUNNELED).
class PeerWait {
 public:
  explicit PeerWait(const char* what);
  ~PeerWait();
  PeerWait(const PeerWait&) = delete;
  PeerWait& operator=(const PeerWait&) = delete;
};

// Marks a wait whose length says nothing about the others' health, so the waits
// inside it are not counted: rank 0 checking a large folder of shards while the
// others wait for its list, or the ranks' unequal shares of a feature cache build
// (a shard more on one rank can take longer than any timeout that still catches a
// lost node quickly).
class UnboundedWait {
 public:
  UnboundedWait();
  ~UnboundedWait();
  UnboundedWait(const UnboundedWait&) = delete;
  UnboundedWait& operator=(const UnboundedWait&) = delete;

 private:
  int64_t outer_started_ns_ = 0;
};

}  // namespace dap
