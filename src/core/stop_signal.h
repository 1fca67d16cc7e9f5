// SIGTERM and SIGUSR1 (Slurm's warning before the time limit, with
// `--signal=USR1@<seconds>`) ask a training stage to save a checkpoint and
// exit so that the job can be requeued. The handler only records the signal;
// the training loop polls it between steps and all ranks agree on it.
#pragma once

namespace dap {

// Exit code of a stage that saved a checkpoint because it was asked to stop
// (EX_TEMPFAIL): run it again to continue. The Slurm scripts requeue on it.
constexpr int kExitCheckpointedForRequeue = 75;

// Exit code of a training stage whose loss became NaN or infinite (nothing was
// updated with it; the log names the step and the last good checkpoint).
constexpr int kExitNonFiniteLoss = 4;

void install_stop_signal_handlers();
// The signal number received since installation, or 0.
int stop_signal_received();

}  // namespace dap
