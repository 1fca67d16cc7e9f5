// Forward time per clip of the backbones on this machine, next to the
// machine's own matrix-multiply rate measured in the same run, so the
// achieved GFLOP/s can be read as a fraction of what the CPU can do.
//
//   build/bin/model_forward_bench [repeats=3]
//
// CLIP ViT-B/16: 8 frames at 224 px, with and without the per-layer CLS taps.
// R(2+1)D-34: 16 and 32 frames at 112 px (64 frames cost twice 32 on CPU).
// TimeSformer (ViT-B/16, divided space-time attention): 8 frames at 224 px.
// FLOPs are counted analytically (multiply-add = 2 FLOPs, convolutions and
// matrix products only).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "core/base/allocator.h"
#include "core/base/blas_threads.h"
#include "core/models/clip_visual.h"
#include "core/models/r2plus1d.h"
#include "core/models/timesformer.h"

namespace {

double seconds_per_call(const std::function<void()>& call, int repeats) {
  call();  // warm-up: allocations, OpenBLAS buffers
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) call();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
}

double matmul_gflops(int repeats) {
  const int64_t n = 1024;
  const auto a = torch::randn({n, n}), b = torch::randn({n, n});
  const double t = seconds_per_call([&] { torch::mm(a, b); }, repeats * 4);
  return 2.0 * n * n * n / t / 1e9;
}

// Per frame: patch embedding, then per layer qkv + output projection (4 N D^2),
// the two attention products (2 N^2 D) and the MLP (8 N D^2); x2 for FLOPs.
double vit_flops_per_frame(const dap::ClipVisualConfig& c) {
  const double grid = static_cast<double>(c.grid());
  const double tokens = grid * grid + 1, d = static_cast<double>(c.width);
  const double patch = grid * grid * d * 3 * c.patch_size * c.patch_size;
  const double layer = 4 * tokens * d * d + 2 * tokens * tokens * d + 8 * tokens * d * d;
  return 2 * (patch + c.layers * layer + d * c.output_dim);
}

// Per clip of T frames with N patches each: patch embedding; per block the
// temporal attention over T (qkv + proj 4 D^2 and 2 T D per token, then
// temporal_fc D^2), the spatial attention over 1 + N tokens per frame
// (4 D^2 per token, 2 (1 + N)^2 D per frame), the MLP (2 mlp_ratio D^2 per
// token); the head. x2 for FLOPs.
double timesformer_flops(const dap::TimeSformerConfig& c, int64_t frames) {
  const double n = static_cast<double>(c.grid() * c.grid()), t = static_cast<double>(frames);
  const double d = static_cast<double>(c.width), tokens = n * t;
  const double patch = tokens * d * 3 * c.patch_size * c.patch_size;
  const double temporal = tokens * (5 * d * d + 2 * t * d);
  const double spatial = t * ((1 + n) * 4 * d * d + 2 * (1 + n) * (1 + n) * d);
  const double mlp = (tokens + 1) * 2 * c.mlp_ratio * d * d;
  return 2 * (patch + c.layers * (temporal + spatial + mlp) + d * c.num_classes);
}

// Walks the 5-D convolution weights in registration order (stem, then each
// block's conv1, conv2, downsample), tracking the activation size through
// VideoResNet's strides: the stem halves H and W; the first block of layer2..4
// halves H and W in its spatial conv and T in its temporal conv.
double r2plus1d_flops(dap::R2Plus1d& model, int64_t frames, int64_t size) {
  double flops = 0, t = frames, h = size, w = size;
  const auto half = [](double x) { return std::ceil(x / 2); };
  const auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const auto& p : model->named_parameters()) {
    const torch::Tensor& weight = p.value();
    const std::string& name = p.key();
    if (weight.dim() != 5) continue;
    const bool strided_block = name.rfind("layer1.", 0) != 0 && name.compare(6, 3, ".0.") == 0;
    if (name == "stem.0.weight" || (strided_block && ends_with(name, "conv1.0.0.weight"))) {
      h = half(h);
      w = half(w);
    } else if (strided_block && ends_with(name, "conv1.0.3.weight")) {
      t = half(t);
    }
    flops += 2.0 * weight.numel() * t * h * w;
  }
  return flops;
}

}  // namespace

int main(int argc, char** argv) {
  dap::keep_freed_memory();
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 3;
  torch::NoGradGuard no_grad;
  std::printf("threads | matmul GFLOP/s | model | input | ms per clip | GFLOP | GFLOP/s | of matmul rate\n");
  for (const int threads : {1, 2}) {
    torch::set_num_threads(threads);
    dap::set_openblas_threads(threads);
    const double peak = matmul_gflops(repeats);
    const auto report = [&](const char* model, const char* input, double seconds, double flops) {
      std::printf("%7d | %14.1f | %-28s | %-18s | %11.0f | %5.1f | %7.1f | %5.1f%%\n", threads, peak, model, input,
                  seconds * 1e3, flops / 1e9, flops / seconds / 1e9, 100.0 * flops / seconds / 1e9 / peak);
      std::fflush(stdout);
    };

    dap::ClipVisual vit{dap::ClipVisualConfig{}};
    vit->eval();
    const auto clip = torch::randn({1, 8, 3, 224, 224});
    const double vit_flops = 8 * vit_flops_per_frame(vit->config());
    report("CLIP ViT-B/16", "8x224x224", seconds_per_call([&] { vit->forward(clip, false); }, repeats), vit_flops);
    report("CLIP ViT-B/16 + layer taps", "8x224x224", seconds_per_call([&] { vit->forward(clip, true); }, repeats),
           vit_flops);

    dap::TimeSformer timesformer{dap::TimeSformerConfig{}};
    timesformer->eval();
    report("TimeSformer (divST, ViT-B/16)", "8x224x224",
           seconds_per_call([&] { timesformer->forward(clip, true); }, repeats),
           timesformer_flops(timesformer->config(), 8));

    dap::R2Plus1dConfig config;
    config.num_classes = 0;
    dap::R2Plus1d r21d(config);
    r21d->eval();
    for (const int64_t frames : {16, 32}) {
      const auto video = torch::randn({1, 3, frames, 112, 112});
      const std::string input = std::to_string(frames) + "x112x112";
      report("R(2+1)D-34", input.c_str(), seconds_per_call([&] { r21d->forward(video); }, repeats),
             r2plus1d_flops(r21d, frames, 112));
    }
  }
  return 0;
}
