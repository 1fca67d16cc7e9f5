// Runs under mpirun -np 2: dynamic work claiming hands out every item exactly
// once, and the string collectives carry data intact.
#include <gtest/gtest.h>
#include <mpi.h>

#include <set>
#include <string>

#include "core/dist/mpi_context.h"
#include "core/dist/shared_counters.h"

namespace dap {
namespace {

TEST(SharedCounters, EveryItemClaimedExactlyOnceAcrossRanks) {
  constexpr int kItems = 1000;
  std::string mine;
  {
    SharedCounters counters(2);
    for (int64_t next = counters.fetch_add(0, 1); next < kItems; next = counters.fetch_add(0, 1)) {
      mine += std::to_string(next) + ",";
      counters.fetch_add(1, 1);
    }
    barrier();
    EXPECT_EQ(counters.read(1), kItems);
  }
  const auto all = gather_strings(mine);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) return;
  std::multiset<int> claimed;
  for (const auto& text : all) {
    size_t start = 0;
    for (size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1) {
      claimed.insert(std::stoi(text.substr(start, comma - start)));
    }
  }
  ASSERT_EQ(claimed.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(claimed.count(i), 1u) << i;
}

TEST(Collectives, BroadcastAndGatherStrings) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(broadcast_string(rank == 0 ? std::string("from rank 0 \xc3\xa9") : std::string("ignored")),
            "from rank 0 \xc3\xa9");
  const auto gathered = gather_strings(std::string(rank + 1, 'a' + rank));
  if (rank == 0) {
    ASSERT_EQ(gathered.size(), static_cast<size_t>(size));
    for (int r = 0; r < size; ++r) EXPECT_EQ(gathered[r], std::string(r + 1, 'a' + r));
  }
  EXPECT_EQ(allreduce_sum(rank + 1), size * (size + 1) / 2);
}

}  // namespace
}  // namespace dap
