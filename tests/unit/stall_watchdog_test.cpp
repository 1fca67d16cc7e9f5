// The stall watchdog (core/dist/stall_watchdog.h) ends a rank whose wait on the others
// outlasts the timeout, with exit 76 and one line naming the wait; waits that end in
// time, nested waits and a single rank are left alone. Each case runs in a forked child
// (a death test), since the watchdog thread is started once per process.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/base/exit_codes.h"
#include "core/base/log.h"
#include "core/dist/stall_watchdog.h"

namespace dap {
namespace {

using std::chrono::milliseconds;

void sleep_ms(int ms) { std::this_thread::sleep_for(milliseconds(ms)); }

TEST(StallWatchdogDeathTest, EndsARankWhoseWaitOutlastsTheTimeout) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        init_logging(0, 2);  // the stages' logger: to stderr, with the rank
        start_stall_watchdog(0.3, 2);
        PeerWait wait("a test collective");
        sleep_ms(5000);
        std::exit(0);
      },
      ::testing::ExitedWithCode(kExitLostPeer), "rank 0/2\\] error: no progress from the other ranks for [0-9]+ s in a test collective");
}

TEST(StallWatchdogDeathTest, LeavesShortWaitsAloneAndCountsNestedWaitsFromTheOutermost) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        init_logging(0, 2);
        // Margins of 10x between a short wait and the timeout: a loaded machine may oversleep.
        start_stall_watchdog(1.0, 2);
        for (int i = 0; i < 12; ++i) {  // 1.2 s of short waits, none longer than 0.1 s
          PeerWait wait("a short wait");
          sleep_ms(100);
        }
        sleep_ms(1500);  // no wait in progress: the watchdog has nothing to count
        PeerWait outer("the outer wait");
        for (int i = 0; i < 20; ++i) {
          PeerWait inner("an inner wait");
          sleep_ms(200);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(kExitLostPeer), "in the outer wait");
}

TEST(StallWatchdogDeathTest, DoesNotCountWaitsInsideAnUnboundedWait) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        init_logging(0, 2);
        start_stall_watchdog(0.3, 2);
        {
          UnboundedWait rank_zero_scans;
          PeerWait wait("a broadcast");
          sleep_ms(1000);  // three timeouts: not counted
        }
        PeerWait after("the wait after it");  // counted again
        sleep_ms(5000);
        std::exit(0);
      },
      ::testing::ExitedWithCode(kExitLostPeer), "in the wait after it");
}

TEST(StallWatchdogDeathTest, IsOffForOneRankAndForTimeoutZero) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        start_stall_watchdog(0.2, 1);
        start_stall_watchdog(0, 2);
        PeerWait wait("a long wait");
        sleep_ms(1000);
        std::exit(3);
      },
      ::testing::ExitedWithCode(3), "");
}

}  // namespace
}  // namespace dap
