// The MPI backend of SumAllReduce: in-place MPI_Allreduce on host memory, in
// chunks small enough for MPI's int counts.
#include <climits>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/dist/mpi_context.h"
#include "core/dist/stall_watchdog.h"
#include "core/dist/sum_allreduce.h"

namespace dap {
namespace {

// MPI counts are int; half of INT_MAX keeps byte counts inside some MPI
// implementations' internal int arithmetic as well.
constexpr size_t kMaxChunk = static_cast<size_t>(INT_MAX / 2);

class MpiSumAllReduce final : public SumAllReduce {
 public:
  void sum(float* data, size_t count) override {
    PeerWait wait("an all-reduce of floats");
    for (size_t offset = 0; offset < count; offset += kMaxChunk) {
      const size_t chunk = count - offset < kMaxChunk ? count - offset : kMaxChunk;
      DAP_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data + offset, static_cast<int>(chunk), MPI_FLOAT,
                                  MPI_SUM, MPI_COMM_WORLD));
    }
  }
  void start(float* data, size_t count, void* /*cuda_stream*/) override {
    for (size_t offset = 0; offset < count; offset += kMaxChunk) {
      const size_t chunk = count - offset < kMaxChunk ? count - offset : kMaxChunk;
      requests_.emplace_back();
      DAP_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, data + offset, static_cast<int>(chunk), MPI_FLOAT, MPI_SUM,
                                   MPI_COMM_WORLD, &requests_.back()));
    }
  }
  // Open MPI advances non-blocking collectives only inside MPI calls.
  void progress() override {
    if (requests_.empty()) return;
    int done = 0;
    DAP_MPI_CHECK(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE));
  }
  void finish(void* /*cuda_stream*/) override {
    if (requests_.empty()) return;
    PeerWait wait("the gradient all-reduce");
    DAP_MPI_CHECK(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE));
    requests_.clear();
  }
  std::string name() const override { return "mpi"; }

 private:
  std::vector<MPI_Request> requests_;
};

}  // namespace

std::unique_ptr<SumAllReduce> make_mpi_sum_allreduce() { return std::make_unique<MpiSumAllReduce>(); }

}  // namespace dap
