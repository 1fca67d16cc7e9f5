#!/usr/bin/python3
"""Reference TimeSformer outputs for tests/torch/timesformer_test.cpp.

Usage: ref_timesformer.py OUT_DIR CASE...   (each CASE one of CASES below)

An independent rebuild of TimeSformer with divided space-time attention from the
paper (Bertasius et al., "Is Space-Time Attention All You Need for Video
Understanding?", ICML 2021, section 3 and Fig. 1/2) and the parameter layout of
the released checkpoints (facebookresearch/TimeSformer): tokens are kept frame-major
as [B, T, N, D], attention is written with einsum, and the embeddings are
resized with explicit nearest-neighbour index maps (floor(i * in / out), what
F.interpolate(mode="nearest") does). Weights are random (fixed seed). Writes with
the system python3-torch:
  OUT_DIR/CASE_weights.pyth  a checkpoint as released: {"epoch", "model_state" with
                             "model."-prefixed keys, "optimizer_state", "cfg"}
  OUT_DIR/CASE_io.pt         {"input", "logits", "features", "layer.0".., and for the
                             resized input "resized.input", "resized.logits", ...,
                             "num_parameters"}
"""
import math
import os
import sys

import torch

CASES = {
    # width, layers, heads, patch, image, frames, classes, input [B, T, 3, H, W], resized input
    "tiny": dict(width=32, layers=3, heads=4, patch=8, image=32, frames=4, classes=5,
                 input=[2, 4, 3, 32, 32], resized=[1, 6, 3, 24, 40], qkv_std=0.3),
    # TimeSformer_divST_8x32_224_K400: ViT-B/16, 8 frames at 224, 400 classes; resized: the 96 px local view.
    "vit_base": dict(width=768, layers=12, heads=12, patch=16, image=224, frames=8, classes=400,
                     input=[1, 8, 3, 224, 224], resized=[1, 8, 3, 96, 96], qkv_std=0.05),
}


def layer_norm(x, p, name):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], p[name + ".weight"], p[name + ".bias"], eps=1e-6)


def linear(x, p, name):
    return x @ p[name + ".weight"].t() + p[name + ".bias"]


def attention(x, p, name, heads):
    """x [..., L, D] -> [..., L, D]; softmax(q k^T / sqrt(d)) v per head."""
    d = x.shape[-1]
    q, k, v = linear(x, p, name + ".qkv").split(d, dim=-1)
    split = lambda t: t.reshape(*t.shape[:-1], heads, d // heads)
    q, k, v = split(q), split(k), split(v)
    logits = torch.einsum("...qhc,...khc->...hqk", q, k) / math.sqrt(d // heads)
    out = torch.einsum("...hqk,...khc->...qhc", logits.softmax(dim=-1), v)
    return linear(out.reshape(*x.shape), p, name + ".proj")


def nearest(n_in, n_out):
    return [min(n_in - 1, math.floor(i * n_in / n_out)) for i in range(n_out)]


def forward(p, case, clip):
    """clip [B, T, 3, H, W] -> logits, features, per-block frame features [B, T, D]."""
    b, t, _, h, w = clip.shape
    d, patch, grid = case["width"], case["patch"], case["image"] // case["patch"]
    gh, gw = h // patch, w // patch
    # Patches: every patch x patch square of every frame, flattened (c, y, x) like the conv weight.
    squares = clip[:, :, :, :gh * patch, :gw * patch].reshape(b, t, 3, gh, patch, gw, patch)
    squares = squares.permute(0, 1, 3, 5, 2, 4, 6).reshape(b, t, gh * gw, 3 * patch * patch)
    tokens = squares @ p["patch_embed.proj.weight"].reshape(d, -1).t() + p["patch_embed.proj.bias"]
    pos = p["pos_embed"][0]
    rows, cols = nearest(grid, gh), nearest(grid, gw)
    patch_pos = pos[1:].reshape(grid, grid, d)[rows][:, cols].reshape(gh * gw, d)
    time = p["time_embed"][0][nearest(p["time_embed"].shape[1], t)]
    x = tokens + patch_pos[None, None] + time[None, :, None]           # [B, T, N, D]
    cls = (p["cls_token"][0, 0] + pos[0]).expand(b, d)                  # [B, D]
    layers = []
    for i in range(case["layers"]):
        blk = "blocks.%d." % i
        # Time: each patch position over the T frames; temporal_fc on the attention's result.
        xt = x + linear(attention(layer_norm(x.transpose(1, 2), p, blk + "temporal_norm1"), p, blk + "temporal_attn",
                                  case["heads"]), p, blk + "temporal_fc").transpose(1, 2)
        # Space: each frame's N patches and the class token; the class token's T answers averaged.
        seq = torch.cat([cls[:, None, None].expand(b, t, 1, d), xt], dim=2)   # [B, T, 1 + N, D]
        res = attention(layer_norm(seq, p, blk + "norm1"), p, blk + "attn", case["heads"])
        cls = cls + res[:, :, 0].mean(dim=1)
        x = xt + res[:, :, 1:]
        mlp = lambda z: linear(torch.nn.functional.gelu(linear(layer_norm(z, p, blk + "norm2"), p, blk + "mlp.fc1")),
                               p, blk + "mlp.fc2")
        cls, x = cls + mlp(cls), x + mlp(x)
        layers.append(x.mean(dim=2))
    features = layer_norm(cls, p, "norm")
    return linear(features, p, "head"), features, layers


def random_weights(case, gen):
    d, hidden, patch, grid = case["width"], 4 * case["width"], case["patch"], case["image"] // case["patch"]
    normal = lambda *shape, std=0.02: torch.randn(*shape, generator=gen) * std
    p = {"cls_token": normal(1, 1, d, std=0.5), "pos_embed": normal(1, grid * grid + 1, d, std=0.5),
         "time_embed": normal(1, case["frames"], d, std=0.5),
         "patch_embed.proj.weight": normal(d, 3, patch, patch, std=1.0 / patch),
         "patch_embed.proj.bias": normal(d, std=0.1)}
    for i in range(case["layers"]):
        blk = "blocks.%d." % i
        for n in ("norm1", "temporal_norm1", "norm2"):
            p[blk + n + ".weight"] = 1 + normal(d, std=0.2)
            p[blk + n + ".bias"] = normal(d, std=0.1)
        for a in ("attn", "temporal_attn"):
            p[blk + a + ".qkv.weight"] = normal(3 * d, d, std=case["qkv_std"])
            p[blk + a + ".qkv.bias"] = normal(3 * d, std=0.1)
            p[blk + a + ".proj.weight"] = normal(d, d, std=1 / math.sqrt(d))
            p[blk + a + ".proj.bias"] = normal(d, std=0.02)
        p[blk + "temporal_fc.weight"] = normal(d, d, std=1 / math.sqrt(d))
        p[blk + "temporal_fc.bias"] = normal(d, std=0.02)
        p[blk + "mlp.fc1.weight"] = normal(hidden, d, std=1 / math.sqrt(d))
        p[blk + "mlp.fc1.bias"] = normal(hidden, std=0.02)
        p[blk + "mlp.fc2.weight"] = normal(d, hidden, std=1 / math.sqrt(hidden))
        p[blk + "mlp.fc2.bias"] = normal(d, std=0.02)
    p["norm.weight"] = 1 + normal(d, std=0.2)
    p["norm.bias"] = normal(d, std=0.1)
    p["head.weight"] = normal(case["classes"], d, std=1 / math.sqrt(d))
    p["head.bias"] = normal(case["classes"], std=0.1)
    return p


def main():
    out_dir, names = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in names:
        case = CASES[name]
        gen = torch.Generator().manual_seed(20211)
        p = random_weights(case, gen)
        # The released layout: the wrapper module's "model." prefix inside "model_state", next to
        # the optimizer state (integer keys) and the config text.
        first = next(iter(p))
        torch.save({"epoch": 15, "model_state": {"model." + k: v for k, v in p.items()},
                    "optimizer_state": {"state": {0: {"momentum_buffer": torch.zeros_like(p[first])}},
                                        "param_groups": [{"lr": 0.005, "momentum": 0.9, "params": [0]}]},
                    "cfg": "MODEL:\n  MODEL_NAME: vit_base_patch16_224\n"},
                   os.path.join(out_dir, name + "_weights.pyth"))
        io = {"num_parameters": torch.tensor(sum(v.numel() for v in p.values()))}
        with torch.no_grad():
            for prefix, shape in (("", case["input"]), ("resized.", case["resized"])):
                clip = torch.randn(*shape, generator=gen)
                logits, features, layers = forward(p, case, clip)
                io[prefix + "input"], io[prefix + "logits"], io[prefix + "features"] = clip, logits, features
                for i, layer in enumerate(layers):
                    io[prefix + "layer.%d" % i] = layer
        torch.save(io, os.path.join(out_dir, name + "_io.pt"))


if __name__ == "__main__":
    main()
