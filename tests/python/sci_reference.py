#!/usr/bin/python3
"""Independent SCI reference for tests/torch/sci_test.cpp.

Usage: sci_reference.py WEIGHTS.pt IN.raw OUT.raw N H W

Reads N uint8 RGB frames [N, H, W, 3] from IN.raw, enhances them with SCI
written directly in python3-torch from the checkpoint (torch.load, functional
ops, no code shared with the C++ side), and writes the uint8 result in the same
layout to OUT.raw. Mirrors the authors' test.py: ToTensor (x / 255), one frame
per forward pass, and save_images (numpy float32 * 255, astype uint8 truncation).
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F


def sci(x, sd):
    def conv(t, name):
        return F.conv2d(t, sd[f"enhance.{name}.weight"], sd[f"enhance.{name}.bias"], padding=1)

    f = F.relu(conv(x, "in_conv.0"))
    bn = F.batch_norm(conv(f, "conv.0"), sd["enhance.conv.1.running_mean"], sd["enhance.conv.1.running_var"],
                      sd["enhance.conv.1.weight"], sd["enhance.conv.1.bias"], training=False, eps=1e-5)
    f = f + F.relu(bn)
    f = torch.sigmoid(conv(f, "out_conv.0"))
    illumination = torch.clamp(f + x, 0.0001, 1)
    return torch.clamp(x / illumination, 0, 1)


def main():
    weights, in_path, out_path = sys.argv[1:4]
    n, h, w = (int(v) for v in sys.argv[4:7])
    torch.set_num_threads(1)
    sd = torch.load(weights, map_location="cpu")
    frames = np.fromfile(in_path, dtype=np.uint8).reshape(n, h, w, 3)
    out = np.empty_like(frames)
    with torch.no_grad():
        for i in range(n):
            x = torch.from_numpy(frames[i]).permute(2, 0, 1).unsqueeze(0).float().div(255)
            r = sci(x, sd)[0].permute(1, 2, 0).numpy()
            out[i] = np.clip(r * 255.0, 0, 255.0).astype(np.uint8)
    out.tofile(out_path)


if __name__ == "__main__":
    main()
