// Gradient all-reduce without torch: an in-place float sum over every rank of
// MPI_COMM_WORLD, with MPI on host memory or NCCL on CUDA device memory. The
// backend is chosen at run time; link dap_comm (dap_core + NCCL when built).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace dap {

// In-place sum of a float buffer over all ranks of MPI_COMM_WORLD.
class SumAllReduce {
 public:
  virtual ~SumAllReduce() = default;
  // Collective: every rank calls it with the same count. count 0 is a no-op.
  virtual void sum(float* data, size_t count) = 0;
  // The same sum ordered on a CUDA stream (a cudaStream_t; torch's current stream):
  // NCCL enqueues it there and returns without waiting, so the caller's kernels
  // before and after it stay in order without a device-wide synchronisation.
  // Backends without streams (MPI) and a null stream run sum().
  virtual void sum_on_stream(float* data, size_t count, void* cuda_stream) {
    (void)cuda_stream;
    sum(data, count);
  }
  // Overlapped sums (GradientAverager during the backward pass): start() begins
  // an in-place sum and may return before it is done; progress() moves started
  // sums along where the backend has no progress engine of its own (MPI);
  // finish() completes every started sum and orders the caller's later work
  // (on `cuda_stream`) after them. Collective as sum(): every rank starts the
  // same sums in the same order. The defaults run the sum inside start().
  virtual void start(float* data, size_t count, void* cuda_stream) { sum_on_stream(data, count, cuda_stream); }
  virtual void progress() {}
  virtual void finish(void* cuda_stream) { (void)cuda_stream; }
  virtual std::string name() const = 0;  // "mpi" or "nccl"
};

// Host memory: MPI_Allreduce(MPI_IN_PLACE, ..., MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
// split into chunks of at most INT_MAX/2 elements; start() uses MPI_Iallreduce,
// progress() MPI_Testall, finish() MPI_Waitall. Needs MPI to be initialised; call
// it from the thread that initialised MPI (MPI_THREAD_FUNNELED).
std::unique_ptr<SumAllReduce> make_mpi_sum_allreduce();

// The functions below are defined in dap_nccl (or its stub when built without NCCL):
// link dap_comm to get exactly one definition.

// True when this build includes NCCL (DAP_HAVE_NCCL).
bool nccl_compiled_in();

// Number of CUDA devices visible to this process (0 when built without CUDA, or
// when the driver reports none or fails).
int cuda_device_count();

// NCCL communicator over MPI_COMM_WORLD on CUDA device `device`: rank 0 creates
// the ncclUniqueId and MPI_Bcast sends it; then cudaSetDevice(device),
// ncclCommInitRank and one CUDA stream. sum() synchronises the device first (the
// caller's kernels may run on another stream), then runs ncclAllReduce(ncclFloat,
// ncclSum) on its stream and waits for it; sum_on_stream() enqueues the same call
// on the caller's stream and does not wait. `data` is a DEVICE pointer.
// Throws dap::Error naming the failed call and NCCL's / CUDA's message, or
// "built without NCCL" when this build has no NCCL. Collective: every rank calls it.
std::unique_ptr<SumAllReduce> make_nccl_sum_allreduce(int device);

}  // namespace dap
