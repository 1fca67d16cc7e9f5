#!/usr/bin/python3
"""Independent python3-torch reference for tests/torch/clip_test.cpp.

Usage: ref_clip.py OUT_DIR

CLIP's two towers written the plain PyTorch way (torch.nn.MultiheadAttention,
sequence-first tokens, as in OpenAI's clip/model.py), with random weights from
a fixed seed, in two sizes ("tiny", "medium"). For each size NAME it writes:

  NAME_weights.pt        torch.save(model.state_dict()): OpenAI's key names
  NAME_weights_cuda.pt   the same, every storage tagged 'cuda:0' (no GPU needed)
  NAME_jit.pt            torch.jit.trace of the whole model + torch.jit.save,
                         the way OpenAI's ViT-B-16.pt archive was made
  NAME_jit_fp16.pt       the traced model in float16 (OpenAI's archives are fp16)
  NAME_reference.pt      torch.save of a dict of CPU tensors: the sizes
                         (config.*), the inputs and the reference outputs

Reference outputs: visual embedding, per-layer CLS tokens and last-block patch
tokens for a clip [2, 3, 3, H, W]; the visual embedding at another, non-square
input size (bicubic positional-embedding interpolation); text features.
"""
import collections
import copy
import math
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from cuda_saved import save_with_cuda_location

SIZES = {
    # Visual: image, patch, width, layers, heads; text: vocab, context, width,
    # layers, heads; embed: the shared output width. resized: another (H, W).
    "tiny": dict(image=32, patch=8, v_width=64, v_layers=2, v_heads=2,
                 vocab=100, context=16, t_width=32, t_layers=2, t_heads=2, embed=32, resized=(48, 40)),
    "medium": dict(image=64, patch=16, v_width=128, v_layers=3, v_heads=4,
                   vocab=1000, context=77, t_width=128, t_layers=3, t_heads=4, embed=64, resized=(96, 80)),
}


class LayerNorm(nn.LayerNorm):
    """LayerNorm in float32 whatever the input type, as OpenAI's."""

    def forward(self, x):
        return super().forward(x.float()).type(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = LayerNorm(width, eps=1e-5)
        self.mlp = nn.Sequential(collections.OrderedDict([
            ("c_fc", nn.Linear(width, 4 * width)),
            ("gelu", QuickGELU()),
            ("c_proj", nn.Linear(4 * width, width)),
        ]))
        self.ln_2 = LayerNorm(width, eps=1e-5)
        self.attn_mask = attn_mask  # a plain attribute, as OpenAI's: not in the state dict

    def forward(self, x):  # x: [L, N, width]
        mask = None if self.attn_mask is None else self.attn_mask.to(x.dtype)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, attn_mask=None):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, image, patch, width, layers, heads, output_dim):
        super().__init__()
        self.grid = image // patch
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(self.grid ** 2 + 1, width))
        self.ln_pre = LayerNorm(width, eps=1e-5)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = LayerNorm(width, eps=1e-5)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def position(self, grid_h, grid_w):
        """Positional embedding for a grid_h x grid_w patch grid (bicubic resize of the grid part)."""
        if (grid_h, grid_w) == (self.grid, self.grid):
            return self.positional_embedding
        cls_pos, grid = self.positional_embedding[:1], self.positional_embedding[1:]
        grid = grid.reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(grid_h, grid_w), mode="bicubic", align_corners=False)
        return torch.cat([cls_pos, grid.permute(0, 2, 3, 1).reshape(grid_h * grid_w, -1)])

    def tokens(self, images):
        x = self.conv1(images)  # [N, width, grid_h, grid_w]
        n, width, grid_h, grid_w = x.shape
        x = x.reshape(n, width, -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(n, 1, width, dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.position(grid_h, grid_w).to(x.dtype)
        return self.ln_pre(x).permute(1, 0, 2), (grid_h, grid_w)  # [L, N, width]

    def forward(self, images):
        x, _ = self.tokens(images)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj

    def features(self, images):
        """(embedding [N, out], CLS after each block [L, N, width], last patch tokens [N, gh, gw, width])."""
        x, (grid_h, grid_w) = self.tokens(images)
        layer_cls = []
        for block in self.transformer.resblocks:
            x = block(x)
            layer_cls.append(x[0])
        x = x.permute(1, 0, 2)
        embedding = self.ln_post(x[:, 0, :]) @ self.proj
        return embedding, torch.stack(layer_cls), x[:, 1:, :].reshape(x.shape[0], grid_h, grid_w, -1)


class CLIP(nn.Module):
    """OpenAI's attribute names: visual, transformer, token_embedding, ..."""

    def __init__(self, s):
        super().__init__()
        self.visual = VisionTransformer(s["image"], s["patch"], s["v_width"], s["v_layers"], s["v_heads"], s["embed"])
        causal = torch.full((s["context"], s["context"]), float("-inf")).triu(1)
        self.transformer = Transformer(s["t_width"], s["t_layers"], s["t_heads"], attn_mask=causal)
        self.token_embedding = nn.Embedding(s["vocab"], s["t_width"])
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(s["context"], s["t_width"]))
        self.ln_final = LayerNorm(s["t_width"], eps=1e-5)
        self.text_projection = nn.Parameter(s["t_width"] ** -0.5 * torch.randn(s["t_width"], s["embed"]))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
        # OpenAI's archive carries these next to the weights; loaders must skip them.
        self.register_buffer("input_resolution", torch.tensor(s["image"]))
        self.register_buffer("context_length", torch.tensor(s["context"]))
        self.register_buffer("vocab_size", torch.tensor(s["vocab"]))

    def encode_text(self, text):
        x = self.token_embedding(text) + self.positional_embedding
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection

    def forward(self, image, text):
        return self.visual(image), self.encode_text(text)


def randomize(model):
    """Non-trivial LayerNorm weights and biases (defaults 1 and 0 would hide mistakes)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and name != "visual.class_embedding":
                p.add_(0.2 * torch.randn_like(p))


def random_tokens(rows, context, vocab):
    """SOT, random ids, EOT (the highest id), zero padding; one row fills the context."""
    sot, eot = vocab - 2, vocab - 1
    tokens = torch.zeros(rows, context, dtype=torch.long)
    for r in range(rows):
        length = context if r == 0 else int(torch.randint(2, context + 1, ()))
        tokens[r, 0] = sot
        tokens[r, 1:length - 1] = torch.randint(1, vocab - 2, (length - 2,))
        tokens[r, length - 1] = eot
    return tokens


def trace(model, images, tokens):
    """torch.jit.trace of the whole model, as OpenAI made their archives."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the size test in position() is constant here
        return torch.jit.trace(model, (images, tokens), check_trace=False)


def write(name, s, out_dir):
    torch.manual_seed(0)
    model = CLIP(s).eval()
    randomize(model)
    path = lambda suffix: os.path.join(out_dir, f"{name}_{suffix}")

    state = model.state_dict()
    torch.save(state, path("weights.pt"))
    save_with_cuda_location(state, path("weights_cuda.pt"))

    clip = torch.randn(2, 3, 3, s["image"], s["image"])
    clip_resized = torch.randn(1, 2, 3, *s["resized"])
    tokens = random_tokens(4, s["context"], s["vocab"])

    with torch.no_grad():
        torch.jit.save(trace(model, clip[0], tokens), path("jit.pt"))
        # .half() converts in place, so a copy is traced (conv cannot be traced in fp16 on the CPU).
        torch.jit.save(trace(copy.deepcopy(model), clip[0], tokens).half(), path("jit_fp16.pt"))

        b, t = clip.shape[:2]
        embedding, layer_cls, patches = model.visual.features(clip.flatten(0, 1))
        resized, _, _ = model.visual.features(clip_resized.flatten(0, 1))
        text_features = model.encode_text(tokens)
        # The traced forward is the same model: a guard on the reference itself.
        jit_image, jit_text = torch.jit.load(path("jit.pt"))(clip.flatten(0, 1), tokens)
        assert torch.allclose(jit_image, embedding, atol=1e-5) and torch.allclose(jit_text, text_features, atol=1e-5)

    config = {
        "visual": {k: torch.tensor(v) for k, v in dict(
            image_size=s["image"], patch_size=s["patch"], width=s["v_width"], layers=s["v_layers"],
            heads=s["v_heads"], output_dim=s["embed"]).items()},
        "text": {k: torch.tensor(v) for k, v in dict(
            vocab_size=s["vocab"], context_length=s["context"], width=s["t_width"], layers=s["t_layers"],
            heads=s["t_heads"], embed_dim=s["embed"]).items()},
    }
    torch.save({
        "config": config,
        "clip": clip,
        "embedding": embedding.reshape(b, t, -1),
        "layer_cls": layer_cls.reshape(layer_cls.shape[0], b, t, -1),
        "patch_tokens": patches.reshape(b, t, *patches.shape[1:]),
        "clip_resized": clip_resized,
        "embedding_resized": resized.reshape(*clip_resized.shape[:2], -1),
        "tokens": tokens,
        "text_features": text_features,
    }, path("reference.pt"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    for name, sizes in SIZES.items():
        write(name, sizes, sys.argv[1])


if __name__ == "__main__":
    main()
