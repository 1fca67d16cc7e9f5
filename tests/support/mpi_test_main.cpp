// The main() of every MPI test (tests/mpi/*_test.cpp, run under mpirun -np 2):
// MPI up for the whole run, results printed by rank 0 only, and the test
// fails when it fails on any rank.
#include <gtest/gtest.h>

#include "core/dist/mpi_context.h"

int main(int argc, char** argv) {
  dap::MpiContext mpi(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (mpi.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  return static_cast<int>(dap::allreduce_sum(failed) != 0);
}
