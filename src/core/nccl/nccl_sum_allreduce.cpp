// The NCCL backend of SumAllReduce (compiled into dap_nccl only when NCCL and
// the CUDA runtime are found): one communicator over MPI_COMM_WORLD, its id
// broadcast over MPI, one stream; every NCCL and CUDA call is checked.
#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/dist/mpi_context.h"
#include "core/dist/stall_watchdog.h"
#include "core/dist/sum_allreduce.h"

namespace dap {
namespace {

void check_cuda(cudaError_t rc, const char* call) {
  if (rc == cudaSuccess) return;
  (void)cudaGetLastError();  // clear the error so later calls report their own
  throw Error(std::string("CUDA call failed: ") + call + ": " + cudaGetErrorName(rc) + ": " +
              cudaGetErrorString(rc));
}

void check_nccl(ncclResult_t rc, const char* call, ncclComm_t comm) {
  if (rc == ncclSuccess) return;
  std::string message = std::string("NCCL call failed: ") + call + ": " + ncclGetErrorString(rc);
#if defined(NCCL_VERSION_CODE) && NCCL_VERSION_CODE >= NCCL_VERSION(2, 13, 0)
  const char* detail = ncclGetLastError(comm);
  if (detail != nullptr && detail[0] != '\0') message += std::string(" (") + detail + ")";
#else
  (void)comm;
#endif
  throw Error(message);
}

#define DAP_CUDA_CHECK(call) check_cuda((call), #call)
#define DAP_NCCL_CHECK(call) check_nccl((call), #call, nullptr)
#define DAP_NCCL_COMM_CHECK(call, comm) check_nccl((call), #call, (comm))

class NcclSumAllReduce final : public SumAllReduce {
 public:
  explicit NcclSumAllReduce(int device) : device_(device) {
    try {
      init();
    } catch (...) {
      release();
      throw;
    }
  }
  ~NcclSumAllReduce() override { release(); }
  NcclSumAllReduce(const NcclSumAllReduce&) = delete;
  NcclSumAllReduce& operator=(const NcclSumAllReduce&) = delete;

  void sum(float* data, size_t count) override {
    if (count == 0) return;
    PeerWait wait("an NCCL all-reduce");
    DAP_CUDA_CHECK(cudaSetDevice(device_));
    // The caller's kernels that produced `data` may run on any stream.
    DAP_CUDA_CHECK(cudaDeviceSynchronize());
    DAP_NCCL_COMM_CHECK(ncclAllReduce(data, data, count, ncclFloat, ncclSum, comm_, stream_), comm_);
    DAP_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  void sum_on_stream(float* data, size_t count, void* cuda_stream) override {
    if (cuda_stream == nullptr) return sum(data, count);
    if (count == 0) return;
    DAP_CUDA_CHECK(cudaSetDevice(device_));
    DAP_NCCL_COMM_CHECK(
        ncclAllReduce(data, data, count, ncclFloat, ncclSum, comm_, static_cast<cudaStream_t>(cuda_stream)), comm_);
  }

  void start(float* data, size_t count, void* cuda_stream) override {
    if (cuda_stream == nullptr) return sum(data, count);
    if (count == 0) return;
    DAP_CUDA_CHECK(cudaSetDevice(device_));
    // After the caller's work so far (which wrote `data`), beside its later kernels.
    DAP_CUDA_CHECK(cudaEventRecord(ready_, static_cast<cudaStream_t>(cuda_stream)));
    DAP_CUDA_CHECK(cudaStreamWaitEvent(stream_, ready_, 0));
    DAP_NCCL_COMM_CHECK(ncclAllReduce(data, data, count, ncclFloat, ncclSum, comm_, stream_), comm_);
    started_ = true;
  }

  void finish(void* cuda_stream) override {
    if (!started_) return;
    PeerWait wait("the NCCL gradient all-reduce");
    DAP_CUDA_CHECK(cudaSetDevice(device_));
    DAP_CUDA_CHECK(cudaEventRecord(done_, stream_));
    if (cuda_stream == nullptr) {
      DAP_CUDA_CHECK(cudaEventSynchronize(done_));
    } else {
      DAP_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(cuda_stream), done_, 0));
    }
    started_ = false;
  }

  std::string name() const override { return "nccl"; }

 private:
  void init() {
    int rank = 0, size = 1;
    DAP_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    DAP_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));

    // Rank 0 sends the id together with whether it got one, so that a failure
    // there fails every rank instead of leaving them waiting in ncclCommInitRank.
    struct {
      int ok;
      ncclUniqueId id;
    } root{};
    std::string root_error;
    if (rank == 0) {
      try {
        DAP_NCCL_CHECK(ncclGetUniqueId(&root.id));
        root.ok = 1;
      } catch (const Error& e) {
        root_error = e.what();
      }
    }
    DAP_MPI_CHECK(MPI_Bcast(&root, static_cast<int>(sizeof(root)), MPI_BYTE, 0, MPI_COMM_WORLD));
    if (!root.ok) {
      throw Error(rank == 0 ? root_error : std::string("NCCL setup failed on rank 0 (ncclGetUniqueId)"));
    }

    DAP_CUDA_CHECK(cudaSetDevice(device_));
    ncclComm_t comm = nullptr;
    PeerWait wait("the NCCL set-up (ncclCommInitRank)");
    DAP_NCCL_CHECK(ncclCommInitRank(&comm, size, root.id, rank));
    comm_ = comm;
    DAP_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    DAP_CUDA_CHECK(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming));
    DAP_CUDA_CHECK(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming));
  }

  // Destructor-safe: reports failures as warnings, never throws.
  void release() noexcept {
    if (comm_ == nullptr && stream_ == nullptr) return;
    cudaError_t rc = cudaSetDevice(device_);
    if (rc != cudaSuccess) {
      spdlog::warn("NCCL all-reduce teardown: cudaSetDevice({}) failed: {}", device_, cudaGetErrorString(rc));
    }
    if (comm_ != nullptr) {
      const ncclResult_t nrc = ncclCommDestroy(comm_);
      if (nrc != ncclSuccess) spdlog::warn("ncclCommDestroy failed: {}", ncclGetErrorString(nrc));
      comm_ = nullptr;
    }
    for (cudaEvent_t* event : {&ready_, &done_}) {
      if (*event == nullptr) continue;
      rc = cudaEventDestroy(*event);
      if (rc != cudaSuccess) spdlog::warn("cudaEventDestroy failed: {}", cudaGetErrorString(rc));
      *event = nullptr;
    }
    if (stream_ != nullptr) {
      rc = cudaStreamDestroy(stream_);
      if (rc != cudaSuccess) spdlog::warn("cudaStreamDestroy failed: {}", cudaGetErrorString(rc));
      stream_ = nullptr;
    }
    (void)cudaGetLastError();
  }

  int device_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;
  bool started_ = false;
};

}  // namespace

bool nccl_compiled_in() { return true; }

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver / no device: not an error for the caller
    return 0;
  }
  return count;
}

std::unique_ptr<SumAllReduce> make_nccl_sum_allreduce(int device) {
  return std::make_unique<NcclSumAllReduce>(device);
}

}  // namespace dap
