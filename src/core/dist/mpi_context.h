// MPI lifetime and the small set of collectives the stages use. Every MPI call
// is checked; a failure anywhere aborts the whole job so no rank waits forever.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dap {

// Throws dap::Error naming the MPI call and MPI's own message when rc != MPI_SUCCESS.
void check_mpi(int rc, const char* call);
#define DAP_MPI_CHECK(call) ::dap::check_mpi((call), #call)

// RAII: MPI_Init_thread on construction, MPI_Finalize on destruction.
class MpiContext {
 public:
  MpiContext(int* argc, char*** argv);
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Aborts every rank of the job with the given exit code (used by main() on a fatal error).
[[noreturn]] void abort_job(int exit_code);

void barrier();
// Broadcast a string from rank 0 to all ranks.
std::string broadcast_string(const std::string& value);
// Gather one string per rank on rank 0 (other ranks get an empty vector).
std::vector<std::string> gather_strings(const std::string& value);
int64_t allreduce_sum(int64_t value);
// Mean of one double over all ranks.
double allreduce_mean(double value);

}  // namespace dap
