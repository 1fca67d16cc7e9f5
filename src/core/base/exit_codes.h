// The exit codes of every dap-<stage> program, in one place. The job scripts
// act on them (75: requeue), and users read them in docs/EXIT_CODES.md.
#pragma once

namespace dap {

// Finished (or, for a training stage, stopped at optim.max_steps).
constexpr int kExitOk = 0;
// An unexpected error on one rank; the whole MPI job is aborted so that no
// rank is left waiting. The log of the failing rank says why.
constexpr int kExitFailure = 1;
// A bad command line or config file; every rank finds it alike, rank 0 names
// the file and key.
constexpr int kExitConfigError = 2;
// Input data that cannot be used, found alike on every rank: a manifest with a
// duplicate video id, a shard folder without index.json, no results to
// aggregate, more unreadable videos than preprocess.max_failure_fraction.
constexpr int kExitBadInput = 3;
// A training loss that became NaN or infinite (nothing was updated with it; the
// log names the step and the last good checkpoint).
constexpr int kExitNonFiniteLoss = 4;
// A write failed because the file system is full or the quota is spent (EX_IOERR):
// the log names the file; free space and run the same command again. Nothing
// half-written is kept, so the rerun continues from what was finished.
constexpr int kExitOutOfSpace = 74;
// A training stage saved a checkpoint because it was asked to stop (SIGTERM or
// SIGUSR1; EX_TEMPFAIL): run it again to continue. The Slurm scripts requeue on it.
constexpr int kExitCheckpointedForRequeue = 75;
// The other ranks stopped answering: a wait on them lasted longer than
// run.stall_timeout_s, most likely because a node of the job was lost
// (EX_PROTOCOL). The Slurm scripts requeue on it; the rerun continues from the
// newest checkpoint.
constexpr int kExitLostPeer = 76;

}  // namespace dap
