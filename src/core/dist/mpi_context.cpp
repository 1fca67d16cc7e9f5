#include "core/dist/mpi_context.h"

#include <cstdlib>

#include "core/base/error.h"
#include "core/dist/stall_watchdog.h"

namespace dap {

void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, message, &length);
  throw Error(std::string("MPI call failed: ") + call + ": " + std::string(message, length));
}

MpiContext::MpiContext(int* argc, char*** argv) {
#if defined(OMPI_MAJOR_VERSION) && OMPI_MAJOR_VERSION < 5
  // One-sided windows (core/dist/shared_counters.h) across nodes, measured with
  // Open MPI 4.1 and ranks on two hosts over TCP: osc/rdma fails ("MPI_ERR_WIN:
  // invalid window"); osc/ucx creates the window but serves a remote rank's
  // fetch-and-add only once rank 0 is done (no progress while it computes), so
  // rank 1 claimed no video; osc/pt2pt serves it whenever rank 0 calls MPI (each
  // of its own claims). sm stays the choice within a node. (Open MPI 5 has no
  // pt2pt; its rdma works over any network.) A user's own OMPI_MCA_osc wins.
  setenv("OMPI_MCA_osc", "sm,pt2pt", /*overwrite=*/0);
#endif
  int provided = 0;
  DAP_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // Errors come back as codes (and become exceptions) instead of killing the job silently.
  DAP_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  DAP_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  DAP_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
}

MpiContext::~MpiContext() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void abort_job(int exit_code) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

void barrier() {
  PeerWait wait("a barrier");
  DAP_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

std::string broadcast_string(const std::string& value) {
  PeerWait wait("a broadcast from rank 0");
  int64_t length = static_cast<int64_t>(value.size());
  DAP_MPI_CHECK(MPI_Bcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD));
  std::string result = value;
  result.resize(static_cast<size_t>(length));
  DAP_MPI_CHECK(MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD));
  return result;
}

std::vector<std::string> gather_strings(const std::string& value) {
  PeerWait wait("a gather on rank 0");
  int rank = 0, size = 1;
  DAP_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  DAP_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
  int length = static_cast<int>(value.size());
  std::vector<int> lengths(size), offsets(size);
  DAP_MPI_CHECK(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD));
  int total = 0;
  for (int r = 0; r < size; ++r) {
    offsets[r] = total;
    total += lengths[r];
  }
  std::string all(rank == 0 ? total : 0, '\0');
  DAP_MPI_CHECK(MPI_Gatherv(value.data(), length, MPI_CHAR, all.data(), lengths.data(),
                            offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD));
  std::vector<std::string> result;
  if (rank == 0) {
    for (int r = 0; r < size; ++r) result.push_back(all.substr(offsets[r], lengths[r]));
  }
  return result;
}

int64_t allreduce_sum(int64_t value) {
  PeerWait wait("an all-reduce");
  int64_t sum = 0;
  DAP_MPI_CHECK(MPI_Allreduce(&value, &sum, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  return sum;
}

double allreduce_mean(double value) {
  PeerWait wait("an all-reduce");
  double sum = 0;
  DAP_MPI_CHECK(MPI_Allreduce(&value, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
  int size = 1;
  DAP_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
  return sum / size;
}

}  // namespace dap
