// Runs under mpirun -np 2: GradientAverager with the all-reduce overlapped with
// the backward pass gives the same averaged gradients, bit for bit, as the
// averaging after it, starts buckets during the backward pass, and averages
// parameters without a gradient as zeros.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include <mpi.h>

#include "core/dist/sum_allreduce.h"
#include "core/train/gradient_averager.h"

namespace dap {
namespace {

int world(int (*query)(MPI_Comm, int*)) {
  int value = 0;
  query(MPI_COMM_WORLD, &value);
  return value;
}

// Counts the sums started, to see when they start.
class CountingReducer final : public SumAllReduce {
 public:
  explicit CountingReducer(SumAllReduce& inner) : inner_(inner) {}
  void sum(float* data, size_t count) override { inner_.sum(data, count); }
  void start(float* data, size_t count, void* stream) override {
    ++started;
    inner_.start(data, count, stream);
  }
  void progress() override { inner_.progress(); }
  void finish(void* stream) override { inner_.finish(stream); }
  std::string name() const override { return inner_.name(); }
  int started = 0;

 private:
  SumAllReduce& inner_;
};

struct Net : torch::nn::Module {
  Net() {
    torch::manual_seed(3);  // the same weights on both ranks and in both copies
    unused = register_module("unused", torch::nn::Linear(4, 4));  // no gradient in the step
    a = register_module("a", torch::nn::Linear(16, 32));
    b = register_module("b", torch::nn::Linear(32, 32));
    c = register_module("c", torch::nn::Linear(32, 4));
  }
  torch::Tensor forward(const torch::Tensor& x) { return c(torch::gelu(b(torch::gelu(a(x))))); }
  torch::nn::Linear a{nullptr}, b{nullptr}, c{nullptr}, unused{nullptr};
};

// Two steps' gradients on this rank's own batches (the second step reuses the
// buffers), averaged; returns the last in parameter order, and how many sums
// started during its backward pass.
std::vector<torch::Tensor> averaged_gradients(bool overlap, int* started_in_backward) {
  auto mpi = make_mpi_sum_allreduce();
  CountingReducer reducer(*mpi);
  Net net;
  // Buckets of at most 600 floats, from the last parameter back: [c.bias, c.weight,
  // b.bias], [b.weight], [a.bias, a.weight, unused.bias, unused.weight].
  GradientAverager averager(net.parameters(), reducer, world(MPI_Comm_size), overlap, /*bucket_elements=*/600);
  torch::manual_seed(100 + world(MPI_Comm_rank));
  for (int step = 0; step < 2; ++step) {
    net.zero_grad();
    const torch::Tensor loss = net.forward(torch::randn({8, 16})).pow(2).mean();
    const int before = reducer.started;
    loss.backward();
    *started_in_backward = reducer.started - before;
    averager.average();
  }
  std::vector<torch::Tensor> grads;
  for (const auto& p : net.parameters()) grads.push_back(p.grad().clone());
  return grads;
}

TEST(GradientAverager, OverlappedEqualsAveragingAfterBackward) {
  int started_plain = 0, started_overlap = 0;
  const auto plain = averaged_gradients(false, &started_plain);
  const auto overlapped = averaged_gradients(true, &started_overlap);
  ASSERT_EQ(plain.size(), overlapped.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(torch::equal(plain[i], overlapped[i])) << "parameter " << i << " differs by "
                                                       << (plain[i] - overlapped[i]).abs().max().item<float>();
  }
  // Without overlap nothing starts during backward; with it the first two buckets
  // do (the third holds the unused layer, so it starts in average()).
  EXPECT_EQ(started_plain, 0);
  EXPECT_EQ(started_overlap, 2);
  // The unused layer's gradients are averaged zeros.
  EXPECT_EQ(overlapped[0].abs().max().item<float>(), 0.0f);
  EXPECT_EQ(overlapped[1].abs().max().item<float>(), 0.0f);
  // And the gradients are averages: different ranks' batches, the same result everywhere.
  torch::Tensor first = overlapped[2].clone();
  std::vector<float> mine(first.data_ptr<float>(), first.data_ptr<float>() + first.numel()), root = mine;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
  EXPECT_EQ(mine, root);
}

}  // namespace
}  // namespace dap
