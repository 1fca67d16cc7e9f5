// Sizes of the R(2+1)D video ResNet (METHOD.md 6). Torch-free, so that the
// experiment config can hold it. Defaults are R(2+1)D-34 as published with the
// IG65M weights (moabitcoin/ig65m-pytorch, r2plus1d_34_clip32_ig65m_from_scratch,
// 487 classes); small widths and depths build through the same code for tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/config_binding.h"

namespace dap {

struct R2Plus1dConfig {
  // Blocks and output channels of layer1..layer4 (temporal and spatial strides
  // 1, 2, 2, 2). R(2+1)D-18 is {2,2,2,2}, R(2+1)D-34 {3,4,6,3}.
  std::vector<int> layers = {3, 4, 6, 3};
  std::vector<int> widths = {64, 128, 256, 512};
  // The stem: Conv(1x7x7) to stem_mid_width, Conv(3x1x1) to stem_width.
  // torchvision hard-codes 45 and 64.
  int64_t stem_mid_width = 45;
  int64_t stem_width = 64;
  // "ig65m": the Caffe2 models behind the IG65M weights. They differ from
  // torchvision in two ways (moabitcoin's r2plus1d_34, pytorch/vision#1265):
  // conv2 of every block takes its mid width from (planes, planes) instead of
  // (inplanes, planes) -- 288/576/1152 instead of 230/460/921 in the first
  // block of layer2..4 -- and BatchNorm eps is 1e-3. "torchvision": eps 1e-5.
  std::string variant = "ig65m";
  // Rows of `fc`; 0 builds no classifier (features only).
  int64_t num_classes = 487;
  // Frame side the backbone is fed (METHOD.md 2); the network itself accepts
  // any size, global pooling makes the output independent of it.
  int64_t input_size = 112;

  double bn_eps() const { return variant == "ig65m" ? 1e-3 : 1e-5; }

  template <class V>
  void visit(V& v) {
    v.field("layers", layers, "residual blocks in layer1..layer4 (34 layers: {3,4,6,3})", config::Range{1, 64});
    v.field("widths", widths, "output channels of layer1..layer4", config::Range{1, 8192});
    v.field("stem_mid_width", stem_mid_width, "channels after the stem's 1x7x7 convolution", config::Range{1, 8192});
    v.field("stem_width", stem_width, "channels after the stem (input of layer1)", config::Range{1, 8192});
    v.choice("variant", variant, {"ig65m", "torchvision"},
             "ig65m: Caffe2 mid widths for conv2 and BatchNorm eps 1e-3 (the IG65M weights); torchvision: eps 1e-5");
    v.field("num_classes", num_classes, "classifier outputs (IG65M clip32: 487; 0: no classifier)",
            config::Range{0, 1e6});
    v.field("input_size", input_size, "frame side in pixels fed to the backbone", config::Range{16, 4096});
    v.require(layers.size() == 4, "layers", "must list 4 stages");
    v.require(widths.size() == 4, "widths", "must list 4 stages");
  }
};

}  // namespace dap
