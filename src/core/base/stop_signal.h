// SIGTERM and SIGUSR1 (Slurm's warning before the time limit, with
// `--signal=USR1@<seconds>`) ask a training stage to save a checkpoint and
// exit so that the job can be requeued (kExitCheckpointedForRequeue). The
// handler only records the signal; the training loop polls it between steps
// and all ranks agree on it.
#pragma once

namespace dap {

void install_stop_signal_handlers();
// The signal number received since installation, or 0.
int stop_signal_received();

}  // namespace dap
