// The training loader's own rate: builds the four views of METHOD.md 2 for
// clips of a shard folder on N background threads, with nothing else running,
// and prints clips/s. bench/pretrain_bench.py sets it beside what dap-pretrain
// consumes.
//
//   loader_bench SHARD_FOLDER [workers=2] [size=224] [local_size=96] [frames=8] [batch=4] [steps=20]
//   loader_bench --compare SHARD_FOLDER [size] [local_size] [frames] [batch] [steps]
//
// --compare measures, in one run, 1 and 2 workers reading frames through HDF5's
// H5Dread (the baseline: decompression inside the library, under its global
// lock) and as raw chunks inflated by the workers (core/io/frame_chunks.h, what
// training uses), and prints the ratios.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "core/base/allocator.h"
#include "core/data/batch_loader.h"

namespace {

double clips_per_second(const dap::ShardDataset& data, const dap::ViewSettings& settings, int workers, int batch,
                        int steps) {
  // Steady state: the clock starts after the first batches, which allocate the
  // buffers that later batches reuse (BatchLoader::recycle), as in a training run.
  const int warm = 3;
  const dap::DistributedSampler sampler(data.size(), batch, /*rank=*/0, /*world=*/1, /*seed=*/0);
  dap::BatchLoader loader(data, sampler, settings, /*seed=*/0, /*first_step=*/0, steps + warm, workers,
                          /*prefetch=*/2);
  for (int i = 0; i < warm; ++i) loader.recycle(loader.next());
  const auto start = std::chrono::steady_clock::now();
  while (!loader.done()) loader.recycle(loader.next());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return steps * batch / seconds;
}

void compare(const char* folder, const dap::ViewSettings& settings, int batch, int steps) {
  std::map<std::pair<bool, int>, double> rate;
  for (bool direct : {false, true}) {
    const dap::ShardDataset data({folder}, direct);
    clips_per_second(data, settings, 1, batch, 2);  // warm the page cache
    for (int workers : {1, 2}) {
      rate[{direct, workers}] = clips_per_second(data, settings, workers, batch, steps);
      std::printf("  %-28s %d worker(s): %7.2f clips/s\n", direct ? "direct chunks + libdeflate" : "H5Dread (baseline)",
                  workers, rate[{direct, workers}]);
    }
  }
  for (int workers : {1, 2}) {
    std::printf("direct / baseline, %d worker(s): %.2fx\n", workers, rate[{true, workers}] / rate[{false, workers}]);
  }
  for (bool direct : {false, true}) {
    std::printf("2 workers / 1, %s: %.2fx\n", direct ? "direct" : "baseline", rate[{direct, 2}] / rate[{direct, 1}]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  dap::keep_freed_memory();
  const bool comparing = argc > 1 && std::strcmp(argv[1], "--compare") == 0;
  if (comparing) {
    --argc;
    ++argv;
  }
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: loader_bench SHARD_FOLDER [workers] [size] [local_size] [frames] [batch] [steps]\n"
                 "       loader_bench --compare SHARD_FOLDER [size] [local_size] [frames] [batch] [steps]\n");
    return 2;
  }
  // Positions after the folder; --compare has no workers argument.
  const auto arg = [&](int i, int fallback) {
    const int at = comparing ? i - 1 : i;
    return argc > at ? std::atoi(argv[at]) : fallback;
  };
  dap::ViewSettings settings;
  settings.size = arg(3, 224);
  settings.local_size = arg(4, 96);
  settings.num_frames = arg(5, 8);
  const int batch = arg(6, 4), steps = arg(7, 20);
  if (comparing) {
    std::printf("loader: %dx%d + %dx%d local, %d frames, %d clips per measurement\n", settings.size, settings.size,
                settings.local_size, settings.local_size, settings.num_frames, steps * batch);
    compare(argv[1], settings, batch, steps);
    return 0;
  }
  const int workers = arg(2, 2);
  const dap::ShardDataset data({argv[1]});
  const double rate = clips_per_second(data, settings, workers, batch, steps);
  std::printf("loader: %d workers, %dx%d + %dx%d local, %d frames: %d clips in %.3f s = %.2f clips/s\n", workers,
              settings.size, settings.size, settings.local_size, settings.local_size, settings.num_frames,
              steps * batch, steps * batch / rate, rate);
  return 0;
}
