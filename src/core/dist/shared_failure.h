// Every rank learns of a write that ran out of space, so that all end alike:
// exit kExitOutOfSpace on each rank, rank 0 naming the file, and no MPI_Abort.
// Writes are made by rank 0 alone (checkpoints, exports, results) or by each
// rank on its own (shards, feature cache files); either way the outcome is
// exchanged after the write, a collective that every rank reaches.
#pragma once

#include <functional>
#include <string>

namespace dap {

// Collective: runs `write` on rank 0 (when `is_root`); when it throws an
// OutOfSpaceError, every rank throws it, marked as known on every rank. Other
// errors of rank 0 are rethrown there (and abort the job as before).
void write_on_root(bool is_root, const std::function<void()>& write);

// Rank 0's work in a task that the other ranks take no part in (they have
// already ended): nobody waits on rank 0, so its OutOfSpaceError ends it
// cleanly like one known on every rank. Not collective.
int alone_on_root(const std::function<int()>& work);

// Collective: `local_failure` is this rank's OutOfSpaceError message, or empty.
// When any rank's is not empty, every rank throws an OutOfSpaceError with the
// first such message (by rank), marked as known on every rank.
void share_out_of_space(const std::string& local_failure);

}  // namespace dap
