// Grad-CAM (Selvaraju et al., ICCV 2017) for the fine-tuned video classifier,
// as the paper's Fig. 3 shows it: at the patch tokens entering one block of
// the CLIP ViT (by default the last, as common ViT Grad-CAM code does), each
// channel is weighted by the mean gradient of the class score over the
// frame's patches, summed over channels and passed through ReLU.
#pragma once

#include <cstdint>

#include <torch/types.h>

#include "core/models/video_classifier.h"

namespace dap {

// clip: [1, T, 3, H, W] normalised. Returns the class activation map of
// `target_class`, [T, grid_h, grid_w] (non-negative; unnormalised), on the CPU.
// block: the backbone block whose input is explained (negative: from the end).
torch::Tensor grad_cam(VideoClassifier& model, const torch::Tensor& clip, int64_t target_class, int64_t block = -1);

}  // namespace dap
