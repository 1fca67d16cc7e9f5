#!/usr/bin/python3
"""Reference outputs of the adaptation modules for tests/torch/adaptation_test.cpp.

Usage: ref_adaptation.py OUT_DIR

Builds, with stock PyTorch modules (nn.MultiheadAttention(batch_first=True),
nn.TransformerEncoder(Layer) with norm_first=True, torch.nn.utils.weight_norm):
  - the progressive adaptation block (METHOD.md 3) as the paper's equations read,
  - the lock encoder (ActionCLIP's "Transf" fusion: transformer over frame
    features + positions, skip connection, mean),
  - DINO's projection head (facebookresearch/dino DINOHead, nlayers 3),
randomises every parameter (fixed seed) and writes with the system python3-torch:
  OUT_DIR/CASE_weights.pt  one state dict per case
  OUT_DIR/io.pt            {CASE: {"input": {"0": ..}, "output": ..}, "counts": {NAME: n}}
where counts are parameter counts of the real-size modules (nothing saved for them).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# D, M, n, input_widths (None: no projections), T of each layer, temporal layers, heads, MLP ratio, batch
PAB_CASES = {
    "pab_cnn": dict(D=16, M=2, widths=[6, 10, 12], T=[8, 8, 4], layers=2, heads=4, ratio=4, B=2),
    "pab_vit": dict(D=12, M=2, widths=None, T=[5, 5], layers=1, heads=3, ratio=2, B=3),
}
LOCK_CASES = {
    "lock_cnn": dict(D=16, width=12, T=4, layers=2, heads=2, ratio=4, B=2),
    "lock_vit": dict(D=12, width=None, T=5, layers=1, heads=3, ratio=4, B=3),
}
DINO_CASES = {"dino": dict(in_dim=16, hidden=32, bottleneck=8, K=64, B=3)}


def encoder(D, layers, heads, ratio):
    layer = nn.TransformerEncoderLayer(D, heads, dim_feedforward=ratio * D, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
    return nn.TransformerEncoder(layer, layers)


class Step(nn.Module):
    def __init__(self, in_width, D, heads, hidden):
        super().__init__()
        if in_width is not None:
            self.input_proj = nn.Linear(in_width, D)
        self.norm = nn.LayerNorm(D)
        self.attn = nn.MultiheadAttention(D, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(D, hidden), nn.GELU(), nn.Linear(hidden, D))


class PAB(nn.Module):
    def __init__(self, D, M, widths, T, layers, heads, ratio, **_):
        super().__init__()
        n = len(T)
        self.prompts = nn.Parameter(torch.zeros(M, D))
        self.positional_embedding = nn.Parameter(torch.zeros(T[-1] + M, D))
        self.steps = nn.ModuleList(Step(widths[i] if widths else None, D, heads, ratio * D) for i in range(n))
        self.temporal = encoder(D, layers, heads, ratio)

    def forward(self, features):
        p = self.prompts.expand(features[0].shape[0], -1, -1)              # P_0
        for step, x in zip(self.steps, features):
            y = step.norm(step.input_proj(x) if hasattr(step, "input_proj") else x)  # Y_i
            p = p + step.attn(p, y, y, need_weights=False)[0]                # P~_i
            p = p + step.mlp(p)                                              # P_i
        r = self.temporal(torch.cat([y, p], dim=1) + self.positional_embedding)
        return r.mean(dim=1)


class LockEncoder(nn.Module):
    def __init__(self, D, width, T, layers, heads, ratio, **_):
        super().__init__()
        if width is not None:
            self.input_proj = nn.Linear(width, D)
        self.positional_embedding = nn.Parameter(torch.zeros(T, D))
        self.temporal = encoder(D, layers, heads, ratio)

    def forward(self, x):
        if hasattr(self, "input_proj"):
            x = self.input_proj(x)
        return (self.temporal(x + self.positional_embedding) + x).mean(dim=1)


class DINOHead(nn.Module):
    def __init__(self, in_dim, K, hidden, bottleneck, **_):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, bottleneck))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck, K, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        self.last_layer.weight_g.requires_grad = False

    def forward(self, x):
        return self.last_layer(F.normalize(self.mlp(x), dim=-1, p=2))


def randomise(model):
    """Every parameter random: matrices ~ N(0, 1/fan_in), norm scales around 1, biases ~ N(0, 0.1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight_g"):
                p.uniform_(0.5, 1.5)  # DINO keeps g = 1; a random g checks the weight-norm formula
            elif p.dim() >= 2:
                p.normal_(0.0, 1.0 / math.sqrt(p.shape[-1]))
            elif "norm" in name and name.endswith("weight"):
                p.uniform_(0.5, 1.5)
            else:
                p.normal_(0.0, 0.1)
    model.eval()


def count(model):
    return torch.tensor(sum(p.numel() for p in model.parameters()), dtype=torch.int64)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(4321)
    io = {}
    for name, case in PAB_CASES.items():
        model = PAB(**case)
        widths = case["widths"] or [case["D"]] * len(case["T"])
        inputs = [torch.randn(case["B"], t, w) for t, w in zip(case["T"], widths)]
        io[name] = (model, {str(i): x for i, x in enumerate(inputs)}, inputs)
    for name, case in LOCK_CASES.items():
        x = torch.randn(case["B"], case["T"], case["width"] or case["D"])
        io[name] = (LockEncoder(**case), {"0": x}, x)
    for name, case in DINO_CASES.items():
        x = torch.randn(case["B"], case["in_dim"])
        io[name] = (DINOHead(**case), {"0": x}, x)

    saved = {}
    for name, (model, inputs, args) in io.items():
        randomise(model)
        with torch.no_grad():
            output = model(args)
        torch.save(model.state_dict(), os.path.join(out_dir, name + "_weights.pt"))
        saved[name] = {"input": inputs, "output": output}
        print(f"{name}: output {list(output.shape)}, max |output| {output.abs().max().item():.4g}")

    # Real sizes: CLIP ViT-B/16 (12 layers of width 768, 6 temporal layers, 12 heads) and
    # R(2+1)D-34 (4 stages 64..512 -> 512, 2 temporal layers, 8 heads), 8 time steps; DINO's head.
    saved["counts"] = {
        "pab_vit_b16": count(PAB(D=768, M=2, widths=None, T=[8] * 12, layers=6, heads=12, ratio=4)),
        "pab_r2plus1d_34": count(PAB(D=512, M=2, widths=[64, 128, 256, 512], T=[64, 32, 16, 8], layers=2,
                                     heads=8, ratio=4)),
        "lock_vit_b16": count(LockEncoder(D=768, width=None, T=8, layers=6, heads=12, ratio=4)),
        "dino_768": count(DINOHead(in_dim=768, K=65536, hidden=2048, bottleneck=256)),
    }
    torch.save(saved, os.path.join(out_dir, "io.pt"))
    print("counts:", {k: v.item() for k, v in saved["counts"].items()})


if __name__ == "__main__":
    main()
