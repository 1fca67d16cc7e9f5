#include "evaluate/grad_cam.h"

#include <cmath>

#include <torch/torch.h>

#include "core/base/error.h"

namespace dap {

torch::Tensor grad_cam(VideoClassifier& model, const torch::Tensor& clip, int64_t target_class, int64_t block) {
  if (clip.dim() != 5 || clip.size(0) != 1) throw Error("grad_cam: expected one clip [1, T, 3, H, W]");
  torch::AutoGradMode with_grad(true);
  torch::Tensor probe;  // [T, 1 + patches, width]
  const torch::Tensor scores = model->forward_with_probe(clip, probe, block);
  const torch::Tensor gradient = torch::autograd::grad({scores[0][target_class]}, {probe})[0];
  const torch::Tensor activations = probe.detach().slice(1, 1);
  const torch::Tensor weights = gradient.slice(1, 1).mean(1, /*keepdim=*/true);  // [T, 1, width]
  const torch::Tensor cam = torch::relu((weights * activations).sum(-1));        // [T, patches]
  const auto grid = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(cam.size(1)))));
  if (grid * grid != cam.size(1)) throw Error("grad_cam: the patch grid is not square");
  return cam.view({cam.size(0), grid, grid}).cpu();
}

}  // namespace dap
