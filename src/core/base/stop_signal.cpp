#include "core/base/stop_signal.h"

#include <csignal>

namespace dap {
namespace {

volatile std::sig_atomic_t received_signal = 0;

void record_signal(int signal) { received_signal = signal; }

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
}

int stop_signal_received() { return received_signal; }

}  // namespace dap
