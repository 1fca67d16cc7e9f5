// The training loader's own rate: builds the four views of METHOD.md 2 for
// clips of a shard folder on N background threads, with nothing else running,
// and prints clips/s. bench/pretrain_bench.py sets it beside what dap-pretrain
// consumes.
//
//   loader_bench SHARD_FOLDER [workers=2] [size=224] [local_size=96] [frames=8] [batch=4] [steps=20]
//   loader_bench --compare SHARD_FOLDER [size] [local_size] [frames] [batch] [steps]
//   loader_bench --feature-cache SHARD_FOLDER [batch=4] [steps=20] [config overrides...]
//
// --compare measures, in one run, 1 and 2 workers reading frames through HDF5's
// H5Dread (the baseline: decompression inside the library, under its global
// lock) and as raw chunks inflated by the workers (core/io/frame_chunks.h, what
// training uses), and prints the ratios.
//
// --feature-cache builds (or reuses) pretrain.feature_cache for the folder with
// lua/base.lua's backbone and views (the paper's: ViT-B/16, 8 x 224 + 8 x 96;
// random weights of pretrain.seed), then measures, for 1 and 2 workers and the
// float32 and float16 caches, the loader alone, the cached o/e features read on
// the consuming (training) thread after next() (the path before the loader read them), and
// read by the workers into the batch (what training does now).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/base/allocator.h"
#include "core/config/config_tree.h"
#include "core/config/experiment_config.h"
#include "core/data/batch_loader.h"
#include "core/dist/mpi_context.h"
#include "core/train/training_setup.h"
#include "pretrain/feature_cache.h"

namespace {

// How the consumer gets the cached features: none, read on its own thread after
// next(), or read by the loader's workers.
enum class Features { kNone, kConsumer, kWorkers };

double clips_per_second(const dap::ShardDataset& data, const dap::ViewSettings& settings, int workers, int batch,
                        int steps, const dap::FeatureCache* cache = nullptr, Features features = Features::kNone,
                        double* feature_ms = nullptr) {
  // Steady state: the clock starts after the first batches, which allocate the
  // buffers that later batches reuse (BatchLoader::recycle), as in a training run.
  const int warm = 3;
  const dap::DistributedSampler sampler(data.size(), batch, /*rank=*/0, /*world=*/1, /*seed=*/0);
  dap::BatchLoader loader(data, sampler, settings, /*seed=*/0, /*first_step=*/0, steps + warm, workers,
                          /*prefetch=*/2, {}, features == Features::kWorkers ? cache : nullptr);
  double feature_seconds = 0;  // the consumer's, getting o and e's features
  const auto consume = [&] {
    dap::Batch b = loader.next();
    if (features != Features::kNone) {  // as PretrainTask::global_features: o and e as tensors
      const auto start = std::chrono::steady_clock::now();
      cache->layer_features(b, false);
      cache->layer_features(b, true);
      feature_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    loader.recycle(std::move(b));
  };
  for (int i = 0; i < warm; ++i) consume();
  feature_seconds = 0;
  const auto start = std::chrono::steady_clock::now();
  while (!loader.done()) consume();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (feature_ms) *feature_ms = 1000 * feature_seconds / steps;
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

// The cache of lua/base.lua's pretraining for `folder`, of the given type.
std::unique_ptr<dap::FeatureCache> open_cache(const dap::ShardDataset& data, const char* folder,
                                              const std::vector<std::string>& extra, const std::string& dtype,
                                              dap::config::PretrainConfig& c) {
  std::vector<std::string> overrides = {std::string("pretrain.data.shards={\"") + folder + "\"}",
                                        "pretrain.feature_cache=true", "pretrain.feature_cache_dtype=" + dtype};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  c = dap::config::bind_config<dap::config::ExperimentConfig>(dap::config::load_config("lua/base.lua", overrides))
          .pretrain;
  torch::manual_seed(static_cast<uint64_t>(c.seed));  // the weights dap-pretrain would draw
  dap::VideoBackbone backbone = dap::build_video_backbone(c.backbone);
  for (auto& p : backbone->parameters()) p.set_requires_grad(false);
  const auto started = std::chrono::steady_clock::now();
  auto cache = std::make_unique<dap::FeatureCache>(data, c, backbone, torch::kCPU, 0, 1);
  std::printf("%s cache %s: %lld of %lld file(s) built in %.1f s, %.1f MiB, %lld floats per frame\n", dtype.c_str(),
              cache->report().key.c_str(), static_cast<long long>(cache->report().built),
              static_cast<long long>(cache->report().shards),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              static_cast<double>(cache->report().bytes) / (1 << 20), static_cast<long long>(cache->width()));
  return cache;
}

int feature_cache_bench(const char* folder, int batch, int steps, const std::vector<std::string>& overrides) {
  const dap::ShardDataset data({folder});
  for (const char* dtype : {"float32", "float16"}) {
    dap::config::PretrainConfig c;
    const auto cache = open_cache(data, folder, overrides, dtype, c);
    const dap::ViewSettings settings = dap::view_settings(c.views);
    std::printf("loader: %dx%d + %dx%d local, %d frames, batch %d, %d clips per measurement\n", settings.size,
                settings.size, settings.local_size, settings.local_size, settings.num_frames, batch, steps * batch);
    clips_per_second(data, settings, 1, batch, 2, cache.get(), Features::kWorkers);  // warm the page cache
    for (int workers : {1, 2}) {
      double before_ms = 0, now_ms = 0;
      const double alone = clips_per_second(data, settings, workers, batch, steps);
      const double before =
          clips_per_second(data, settings, workers, batch, steps, cache.get(), Features::kConsumer, &before_ms);
      const double now =
          clips_per_second(data, settings, workers, batch, steps, cache.get(), Features::kWorkers, &now_ms);
      std::printf("  %s, %d worker(s): loader alone %.2f clips/s (%.2f per worker) | features read on the training "
                  "thread (before): %.2f clips/s, %.2f ms per step on it | read by the workers (now): %.2f clips/s "
                  "(%.2f per worker), %.3f ms per step on the training thread\n",
                  dtype, workers, alone, alone / workers, before, before_ms, now, now / workers, now_ms);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  dap::keep_freed_memory();
  if (argc > 2 && std::strcmp(argv[1], "--feature-cache") == 0) {
    dap::MpiContext mpi(&argc, &argv);  // the cache's build is collective (one rank here)
    return feature_cache_bench(argv[2], argc > 3 ? std::atoi(argv[3]) : 4, argc > 4 ? std::atoi(argv[4]) : 20,
                               std::vector<std::string>(argv + std::min(argc, 5), argv + argc));
  }
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
