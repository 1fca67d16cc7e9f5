// CLIP image tower (see clip_visual.h).
#include "core/models/clip_visual.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/error.h"

namespace dap {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

void check_config(const ClipVisualConfig& c) {
  std::ostringstream problem;
  if (c.image_size <= 0 || c.patch_size <= 0 || c.width <= 0 || c.layers <= 0 || c.heads <= 0 || c.output_dim <= 0)
    problem << "every size must be positive";
  else if (c.image_size % c.patch_size != 0)
    problem << "image_size " << c.image_size << " is not a multiple of patch_size " << c.patch_size;
  else if (c.width % c.heads != 0)
    problem << "heads " << c.heads << " does not divide width " << c.width;
  if (!problem.str().empty()) throw ConfigError("CLIP visual config: " + problem.str());
}

}  // namespace

ClipVisualImpl::ClipVisualImpl(const ClipVisualConfig& config) : config_(config) {
  check_config(config_);
  const int64_t width = config_.width;
  const int64_t grid = config_.grid();
  // OpenAI's initialisation (normal with std width^-0.5); loading overwrites it.
  const double scale = 1.0 / std::sqrt(static_cast<double>(width));
  conv1 = register_module(
      "conv1", nn::Conv2d(nn::Conv2dOptions(3, width, /*kernel_size=*/config_.patch_size)
                              .stride(config_.patch_size)
                              .bias(false)));
  class_embedding = register_parameter("class_embedding", scale * torch::randn({width}));
  positional_embedding = register_parameter("positional_embedding", scale * torch::randn({grid * grid + 1, width}));
  ln_pre = register_module("ln_pre", Float32LayerNorm(nn::LayerNormOptions({width}).eps(1e-5)));
  transformer = register_module("transformer", ClipTransformer(width, config_.layers, config_.heads));
  ln_post = register_module("ln_post", Float32LayerNorm(nn::LayerNormOptions({width}).eps(1e-5)));
  proj = register_parameter("proj", scale * torch::randn({width, config_.output_dim}));
}

torch::Tensor ClipVisualImpl::positional_embedding_for(int64_t grid_h, int64_t grid_w) const {
  const int64_t grid = config_.grid();
  if (grid_h == grid && grid_w == grid) return positional_embedding;  // trained size: used as is
  const int64_t width = config_.width;
  // [grid*grid, width] -> [1, width, grid, grid], the layout interpolate expects.
  torch::Tensor patches =
      positional_embedding.slice(0, 1).reshape({1, grid, grid, width}).permute({0, 3, 1, 2}).to(torch::kFloat);
  patches = F::interpolate(patches, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{grid_h, grid_w})
                                        .mode(torch::kBicubic)
                                        .align_corners(false));
  patches = patches.permute({0, 2, 3, 1}).reshape({grid_h * grid_w, width}).to(positional_embedding.scalar_type());
  return torch::cat({positional_embedding.slice(0, 0, 1), patches}, 0);
}

ClipVisualOutput ClipVisualImpl::forward(const torch::Tensor& clip, bool with_layer_cls, int64_t probe_block) {
  if (clip.dim() != 5 || clip.size(2) != 3 || clip.size(3) < config_.patch_size || clip.size(4) < config_.patch_size) {
    std::ostringstream what;
    what << "CLIP visual: expected a clip [B, T, 3, H, W] with H, W >= patch_size " << config_.patch_size
         << ", got " << clip.sizes();
    throw Error(what.str());
  }
  const int64_t batch = clip.size(0), frames = clip.size(1), width = config_.width;

  // Patchify: [B*T, 3, H, W] -> [B*T, width, grid_h, grid_w] -> [B*T, grid_h*grid_w, width].
  torch::Tensor x = conv1->forward(clip.flatten(0, 1));
  const int64_t grid_h = x.size(2), grid_w = x.size(3);
  x = x.flatten(2).transpose(1, 2);
  const torch::Tensor cls = class_embedding.to(x.scalar_type()).view({1, 1, width}).expand({x.size(0), 1, width});
  x = torch::cat({cls, x}, 1) + positional_embedding_for(grid_h, grid_w).to(x.scalar_type());
  x = ln_pre(x);

  std::vector<torch::Tensor> cls_per_layer;
  torch::Tensor probe;
  for (int64_t i = 0; i < transformer->layers(); ++i) {
    if (i == probe_block) {
      probe = x.detach().requires_grad_(true);
      x = probe;
    }
    x = transformer->block(i).forward(x);
    if (with_layer_cls) cls_per_layer.push_back(x.select(1, 0));
  }

  ClipVisualOutput out;
  out.embedding = torch::matmul(ln_post(x.select(1, 0)), proj.to(x.scalar_type()))
                      .view({batch, frames, config_.output_dim});
  if (with_layer_cls)
    out.layer_cls = torch::stack(cls_per_layer).view({transformer->layers(), batch, frames, width});
  out.patch_tokens = x.slice(1, 1).reshape({batch, frames, grid_h, grid_w, width});
  out.probe = probe;
  return out;
}

}  // namespace dap
