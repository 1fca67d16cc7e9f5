#!/usr/bin/python3
"""Reference R(2+1)D outputs for tests/torch/r2plus1d_test.cpp.

Usage: ref_r2plus1d.py OUT_DIR CASE...   (each CASE one of CASES below)

Rebuilds torchvision's VideoResNet (torchvision.models.video.resnet: R2Plus1dStem,
Conv2Plus1D, BasicBlock; torchvision itself is not installed here) with plain
nn.Conv3d / nn.BatchNorm3d Sequentials, applies moabitcoin/ig65m-pytorch's
Caffe2 fixes for the "ig65m" variant, randomises every weight and BatchNorm
statistic (fixed seed), and writes with the system python3-torch:
  OUT_DIR/CASE_weights.pt       the state dict under torchvision's names
  OUT_DIR/CASE_weights_cuda.pt  the same, storages tagged "cuda:0" (tiny_ig65m only)
  OUT_DIR/CASE_io.pt            {"input", "logits" (if fc), "stage.0".."stage.3",
                                 "last_feature_map", "num_parameters"}
"""
import os
import sys

import torch
import torch.nn as nn

from cuda_saved import save_with_cuda_location

# The reference must not share the defect it checks for: torch 2.6's oneDNN convolutions
# are wrong for R(2+1)D's channel counts (docs/ONEDNN_CONV.md); torch's own kernels are not.
torch.backends.mkldnn.enabled = False

CASES = {
    # layers, widths, stem_mid_width, stem_width, variant, num_classes, input [B, 3, T, H, W]
    "tiny_ig65m": dict(layers=[2, 2, 1, 1], widths=[8, 16, 24, 32], stem_mid=6, stem=8, variant="ig65m",
                       num_classes=5, input=[2, 3, 12, 40, 40]),
    "tiny_torchvision": dict(layers=[1, 2, 1, 2], widths=[8, 12, 16, 24], stem_mid=5, stem=6,
                             variant="torchvision", num_classes=0, input=[2, 3, 7, 33, 29]),
    "r2plus1d_34": dict(layers=[3, 4, 6, 3], widths=[64, 128, 256, 512], stem_mid=45, stem=64, variant="ig65m",
                        num_classes=487, input=[1, 3, 8, 32, 32]),
}


def midplanes(inplanes, planes):
    return (inplanes * planes * 3 * 3 * 3) // (inplanes * 3 * 3 + 3 * planes)


class Conv2Plus1D(nn.Sequential):
    def __init__(self, in_planes, out_planes, mid, stride=1, padding=1):
        super().__init__(
            nn.Conv3d(in_planes, mid, kernel_size=(1, 3, 3), stride=(1, stride, stride),
                      padding=(0, padding, padding), bias=False),
            nn.BatchNorm3d(mid),
            nn.ReLU(inplace=True),
            nn.Conv3d(mid, out_planes, kernel_size=(3, 1, 1), stride=(stride, 1, 1),
                      padding=(padding, 0, 0), bias=False))


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        mid = midplanes(inplanes, planes)
        self.conv1 = nn.Sequential(Conv2Plus1D(inplanes, planes, mid, stride), nn.BatchNorm3d(planes),
                                   nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(Conv2Plus1D(planes, planes, mid), nn.BatchNorm3d(planes))
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv2(self.conv1(x)) + residual)


class VideoResNet(nn.Module):
    def __init__(self, layers, widths, stem_mid, stem, num_classes):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv3d(3, stem_mid, kernel_size=(1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False),
            nn.BatchNorm3d(stem_mid), nn.ReLU(inplace=True),
            nn.Conv3d(stem_mid, stem, kernel_size=(3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0), bias=False),
            nn.BatchNorm3d(stem), nn.ReLU(inplace=True))
        self.inplanes = stem
        self.layer1 = self._make_layer(widths[0], layers[0], 1)
        self.layer2 = self._make_layer(widths[1], layers[1], 2)
        self.layer3 = self._make_layer(widths[2], layers[2], 2)
        self.layer4 = self._make_layer(widths[3], layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.fc = nn.Linear(widths[3], num_classes) if num_classes else None

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv3d(self.inplanes, planes, kernel_size=1, stride=(stride, stride, stride), bias=False),
                nn.BatchNorm3d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.stem(x)
        stages = []
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = layer(x)
            stages.append(x.mean(dim=(3, 4)).transpose(1, 2))
        out = {"stage.%d" % i: s for i, s in enumerate(stages)}
        out["last_feature_map"] = x
        if self.fc is not None:
            out["logits"] = self.fc(self.avgpool(x).flatten(1))
        return out


def build(case):
    model = VideoResNet(case["layers"], case["widths"], case["stem_mid"], case["stem"], case["num_classes"])
    if case["variant"] == "ig65m":
        # moabitcoin/ig65m-pytorch: "Fix difference in PyTorch vs Caffe2 architecture" -- conv2 of each
        # layer's first block gets the mid width of a planes->planes convolution; BatchNorm eps 1e-3.
        for layer, planes in ((model.layer2, case["widths"][1]), (model.layer3, case["widths"][2]),
                              (model.layer4, case["widths"][3])):
            layer[0].conv2[0] = Conv2Plus1D(planes, planes, midplanes(planes, planes))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm3d):
                m.eps = 1e-3
        if case["widths"] == [64, 128, 256, 512]:  # the literal numbers of moabitcoin's r2plus1d_34
            assert [l[0].conv2[0][0].out_channels for l in (model.layer2, model.layer3, model.layer4)] == \
                [288, 576, 1152]
    return model


def randomise(model, input_shape):
    """Random affine BN parameters; running statistics from one batch so that activations stay O(1)
    through 34 layers, then perturbed so eval-mode BatchNorm is exercised with arbitrary statistics."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm3d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.2)
            bn.momentum = 1.0
        model.train()
        model(torch.randn(input_shape))
        for bn in bns:
            bn.running_var.mul_(torch.empty_like(bn.running_var).uniform_(0.7, 1.4))
            bn.running_mean.add_(0.1 * torch.randn_like(bn.running_mean) * bn.running_var.sqrt())
            bn.num_batches_tracked.fill_(int(torch.randint(1, 1000, ())))
        if model.fc is not None:
            model.fc.bias.normal_(0.0, 0.1)
    model.eval()


def write_case(out_dir, name):
    case = CASES[name]
    torch.manual_seed(1234)
    model = build(case)
    randomise(model, case["input"])
    x = torch.randn(case["input"])
    with torch.no_grad():
        io = model(x)
    io["input"] = x
    io["num_parameters"] = torch.tensor(sum(p.numel() for p in model.parameters()), dtype=torch.int64)
    state = model.state_dict()
    torch.save(state, os.path.join(out_dir, name + "_weights.pt"))
    if name == "tiny_ig65m":
        save_with_cuda_location(state, os.path.join(out_dir, name + "_weights_cuda.pt"))
    torch.save({k: v.contiguous() for k, v in io.items()}, os.path.join(out_dir, name + "_io.pt"))
    print(f"{name}: {io['num_parameters'].item()} parameters, "
          f"outputs {', '.join(f'{k} {list(v.shape)}' for k, v in sorted(io.items()))}")


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name in sys.argv[2:]:
        write_case(out_dir, name)


if __name__ == "__main__":
    main()
