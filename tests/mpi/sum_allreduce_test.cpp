// Runs under mpirun -np 2: the gradient all-reduce backends sum rank-dependent
// buffers exactly (MPI on host memory; NCCL on device memory where this build
// has NCCL and every rank on a node has its own CUDA device, else skipped).
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/dist/mpi_context.h"
#include "core/dist/sum_allreduce.h"

#ifdef DAP_HAVE_NCCL
#include <cuda_runtime.h>
#endif

namespace dap {
namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

// Small integers and halves: every partial sum is exact in float.
float value(int rank, size_t i) { return static_cast<float>(rank + 1) + 0.5f * static_cast<float>(i % 7); }

std::vector<float> filled(size_t count) {
  std::vector<float> data(count);
  for (size_t i = 0; i < count; ++i) data[i] = value(world_rank(), i);
  return data;
}

// Reports the first mismatch and the number of mismatches (not millions of failures).
void expect_summed(const std::vector<float>& data) {
  const int size = world_size();
  size_t wrong = 0, first = 0;
  float first_got = 0, first_want = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    float want = 0;
    for (int r = 0; r < size; ++r) want += value(r, i);
    if (data[i] != want) {
      if (wrong++ == 0) {
        first = i;
        first_got = data[i];
        first_want = want;
      }
    }
  }
  EXPECT_EQ(wrong, 0u) << "first mismatch at " << first << ": got " << first_got << ", want " << first_want;
}

TEST(MpiSumAllReduce, SumsRankDependentValues) {
  auto reducer = make_mpi_sum_allreduce();
  EXPECT_EQ(reducer->name(), "mpi");
  for (size_t count : {size_t{1}, size_t{1000}, size_t{3000001}}) {
    auto data = filled(count);
    reducer->sum(data.data(), data.size());
    expect_summed(data);
  }
}

// Started sums (MPI_Iallreduce) complete in finish(), whatever progress() was called in between.
TEST(MpiSumAllReduce, StartedSumsCompleteInFinish) {
  auto reducer = make_mpi_sum_allreduce();
  std::vector<std::vector<float>> buffers;
  for (size_t count : {size_t{1}, size_t{1000}, size_t{3000001}, size_t{0}}) buffers.push_back(filled(count));
  for (auto& data : buffers) {
    reducer->start(data.data(), data.size(), nullptr);
    reducer->progress();
  }
  reducer->finish(nullptr);
  for (const auto& data : buffers) expect_summed(data);
  reducer->finish(nullptr);  // nothing started: a no-op
}

TEST(MpiSumAllReduce, CountZeroIsANoOp) {
  auto reducer = make_mpi_sum_allreduce();
  reducer->sum(nullptr, 0);
  std::vector<float> untouched{42.0f};
  reducer->sum(untouched.data(), 0);
  EXPECT_EQ(untouched[0], 42.0f);
}

TEST(NcclSumAllReduce, ReportsBuildWithoutNccl) {
  if (nccl_compiled_in()) GTEST_SKIP() << "this build has NCCL";
  EXPECT_EQ(cuda_device_count(), 0);
  try {
    make_nccl_sum_allreduce(0);
    FAIL() << "expected dap::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("built without NCCL"), std::string::npos) << e.what();
  }
}

TEST(NcclSumAllReduce, FailsWithAnErrorNamingTheCallWithoutADevice) {
  if (!nccl_compiled_in()) GTEST_SKIP() << "built without NCCL";
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is visible";
  try {
    make_nccl_sum_allreduce(0);
    FAIL() << "expected dap::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.find("cudaSetDevice") != std::string::npos ||
                message.find("ncclGetUniqueId") != std::string::npos)
        << message;
  }
}

#ifdef DAP_HAVE_NCCL
#define CUDA_ASSERT(call)                                                    \
  do {                                                                       \
    const cudaError_t rc_ = (call);                                          \
    ASSERT_EQ(rc_, cudaSuccess) << #call << ": " << cudaGetErrorString(rc_); \
  } while (0)

// NCCL needs one device per rank: ranks on a node use local rank = device.
// Returns the device for this rank, or -1 (on every rank) when some node lacks devices.
int device_for_this_rank(std::string* why) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local_rank = 0, local_size = 1;
  MPI_Comm_rank(node, &local_rank);
  MPI_Comm_size(node, &local_size);
  MPI_Comm_free(&node);
  const int devices = cuda_device_count();
  int ok = devices >= local_size ? 1 : 0, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    *why = std::to_string(local_size) + " ranks on this node but " + std::to_string(devices) +
           " CUDA device(s) visible; NCCL needs one device per rank";
    return -1;
  }
  return local_rank;
}

TEST(NcclSumAllReduce, SumsDeviceBuffers) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device visible";
  std::string why;
  const int device = device_for_this_rank(&why);
  if (device < 0) GTEST_SKIP() << why;

  auto reducer = make_nccl_sum_allreduce(device);
  EXPECT_EQ(reducer->name(), "nccl");
  reducer->sum(nullptr, 0);
  for (size_t count : {size_t{1}, size_t{1000}, size_t{3000001}}) {
    auto host = filled(count);
    float* device_data = nullptr;
    CUDA_ASSERT(cudaMalloc(&device_data, count * sizeof(float)));
    CUDA_ASSERT(cudaMemcpy(device_data, host.data(), count * sizeof(float), cudaMemcpyHostToDevice));
    reducer->sum(device_data, count);
    std::vector<float> result(count);
    CUDA_ASSERT(cudaMemcpy(result.data(), device_data, count * sizeof(float), cudaMemcpyDeviceToHost));
    CUDA_ASSERT(cudaFree(device_data));
    expect_summed(result);
  }
}

// Stream-ordered: the copy in, the sum and the copy out all on the caller's stream,
// with no synchronisation between them; the host waits once at the end.
TEST(NcclSumAllReduce, SumsInOrderOnTheCallersStream) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device visible";
  std::string why;
  const int device = device_for_this_rank(&why);
  if (device < 0) GTEST_SKIP() << why;
  auto reducer = make_nccl_sum_allreduce(device);
  CUDA_ASSERT(cudaSetDevice(device));
  cudaStream_t stream = nullptr;
  CUDA_ASSERT(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const size_t count = 3000001;
  const auto host = filled(count);
  std::vector<float> result(count);
  float* device_data = nullptr;
  CUDA_ASSERT(cudaMalloc(&device_data, count * sizeof(float)));
  CUDA_ASSERT(cudaMemcpyAsync(device_data, host.data(), count * sizeof(float), cudaMemcpyHostToDevice, stream));
  reducer->sum_on_stream(device_data, count, stream);
  CUDA_ASSERT(cudaMemcpyAsync(result.data(), device_data, count * sizeof(float), cudaMemcpyDeviceToHost, stream));
  CUDA_ASSERT(cudaStreamSynchronize(stream));
  CUDA_ASSERT(cudaFree(device_data));
  CUDA_ASSERT(cudaStreamDestroy(stream));
  expect_summed(result);
}
#else
TEST(NcclSumAllReduce, SumsDeviceBuffers) { GTEST_SKIP() << "built without NCCL"; }
#endif

}  // namespace
}  // namespace dap
