// The training loader's own rate: builds the four views of METHOD.md 2 for
// every clip of a shard folder on N background threads, with nothing else
// running, and prints clips/s. bench/pretrain_bench.py sets it beside what
// dap-pretrain consumes.
//
//   loader_bench SHARD_FOLDER [workers=2] [size=224] [local_size=96] [frames=8] [batch=4] [steps=20]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/base/allocator.h"
#include "core/data/batch_loader.h"

int main(int argc, char** argv) {
  dap::keep_freed_memory();
  if (argc < 2) {
    std::fprintf(stderr, "usage: loader_bench SHARD_FOLDER [workers] [size] [local_size] [frames] [batch] [steps]\n");
    return 2;
  }
  const auto arg = [&](int i, int fallback) { return argc > i ? std::atoi(argv[i]) : fallback; };
  const int workers = arg(2, 2);
  dap::ViewSettings settings;
  settings.size = arg(3, 224);
  settings.local_size = arg(4, 96);
  settings.num_frames = arg(5, 8);
  const int batch = arg(6, 4);
  const int steps = arg(7, 20);

  const dap::ShardDataset data({argv[1]});
  const dap::DistributedSampler sampler(data.size(), batch, /*rank=*/0, /*world=*/1, /*seed=*/0);
  const auto start = std::chrono::steady_clock::now();
  dap::BatchLoader loader(data, sampler, settings, /*seed=*/0, /*first_step=*/0, steps, workers, /*prefetch=*/2);
  while (!loader.done()) loader.next();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("loader: %d workers, %dx%d + %dx%d local, %d frames: %d clips in %.3f s = %.2f clips/s\n", workers,
              settings.size, settings.size, settings.local_size, settings.local_size, settings.num_frames,
              steps * batch, seconds, steps * batch / seconds);
  return 0;
}
