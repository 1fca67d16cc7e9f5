// Runs under mpirun -np 2: a write that ran out of space on one rank ends every
// rank alike (core/dist/shared_failure.h): each throws the same OutOfSpaceError,
// marked as known on every rank, so no rank waits and none aborts the job.
#include <gtest/gtest.h>
#include <mpi.h>

#include <string>

#include "core/base/error.h"
#include "core/dist/mpi_context.h"
#include "core/dist/shared_failure.h"

namespace dap {
namespace {

int rank() {
  int value = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &value);
  return value;
}

TEST(SharedFailure, RootWriteOutOfSpaceReachesEveryRank) {
  try {
    write_on_root(rank() == 0, [] { throw OutOfSpaceError("out of disk space: cannot write a.pt"); });
    FAIL() << "no error on rank " << rank();
  } catch (const OutOfSpaceError& e) {
    EXPECT_STREQ(e.what(), "out of disk space: cannot write a.pt");
    EXPECT_TRUE(e.on_every_rank());
  }
  int ran = 0;
  write_on_root(rank() == 0, [&] { ++ran; });  // a write that fits: nothing thrown
  EXPECT_EQ(ran, rank() == 0 ? 1 : 0);
}

TEST(SharedFailure, OneRanksFailureReachesEveryRank) {
  const std::string mine = rank() == 1 ? "out of disk space: cannot write shard-r001.h5" : "";
  try {
    share_out_of_space(mine);
    FAIL() << "no error on rank " << rank();
  } catch (const OutOfSpaceError& e) {
    EXPECT_STREQ(e.what(), "out of disk space: cannot write shard-r001.h5");
    EXPECT_TRUE(e.on_every_rank());
  }
  EXPECT_NO_THROW(share_out_of_space(""));
}

}  // namespace
}  // namespace dap
