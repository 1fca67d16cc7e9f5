#include "core/dist/stall_watchdog.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>

#include "core/base/exit_codes.h"
#include "core/base/log.h"

namespace dap {
namespace {

using Clock = std::chrono::steady_clock;

// The outermost wait in progress: when it began (0 = none) and what it is.
std::atomic<int64_t> wait_started_ns{0};
std::atomic<const char*> wait_what{""};
int wait_depth = 0;  // only the MPI thread changes it

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

[[noreturn]] void end_stalled_rank(double waited, double timeout_seconds) {
  char host[256] = "?";
  gethostname(host, sizeof(host) - 1);
  spdlog::error(
      "no progress from the other ranks for {:.0f} s in {} (run.stall_timeout_s = {:g}) on {}: a node or rank "
      "of this job was lost or hangs. Ending the job (exit {}); submit it again, or let Slurm requeue it, and it "
      "continues from its newest checkpoint",
      waited, wait_what.load(), timeout_seconds, host, kExitLostPeer);
  spdlog::default_logger()->flush();
  // Not MPI_Abort: it may wait on the lost peer too. The launcher sees this rank end and stops the rest.
  _exit(kExitLostPeer);
}

}  // namespace

void start_stall_watchdog(double timeout_seconds, int world_size) {
  static std::atomic<bool> started{false};
  if (world_size < 2 || !(timeout_seconds > 0) || started.exchange(true)) return;
  const auto poll = std::chrono::duration<double>(std::min(1.0, timeout_seconds / 10));
  std::thread([timeout_seconds, poll] {
    for (;;) {
      std::this_thread::sleep_for(poll);
      const int64_t started_ns = wait_started_ns.load();
      if (started_ns == 0) continue;
      const double waited = static_cast<double>(now_ns() - started_ns) * 1e-9;
      if (waited > timeout_seconds) end_stalled_rank(waited, timeout_seconds);
    }
  }).detach();
}

PeerWait::PeerWait(const char* what) {
  if (wait_depth++ > 0) return;
  wait_what.store(what);
  wait_started_ns.store(now_ns());
}

PeerWait::~PeerWait() {
  if (--wait_depth > 0) return;
  wait_started_ns.store(0);
}

UnboundedWait::UnboundedWait() : outer_started_ns_(wait_started_ns.exchange(0)) { ++wait_depth; }

UnboundedWait::~UnboundedWait() {
  --wait_depth;
  // An enclosing wait goes on counting from when it began.
  wait_started_ns.store(outer_started_ns_);
}

}  // namespace dap
