"""What dap's stages train, as PyTorch modules whose state_dict keys are those of
the exported files (METHOD.md 3-5; src/core/models/adaptation_block.h,
dino_head.h, video_classifier.h):

  VideoAdapter     the "adapter" of adapter.pt (dap-pretrain) and model.pt: the
                   progressive adaptation block (PAB) or the lock encoder
  DinoHead         the DINO projection head of pretraining checkpoints ("student.head", "teacher.head")
  VideoClassifier  model.pt without its backbone: adapter + linear or text head
                   (class embeddings stored, so no text encoder is needed)

Every module reads a backbone's per-layer frame features, a list of n tensors
[B, T_i, D_i], shallow to deep, as the C++ backbones give them."""
import math

import torch
import torch.nn.functional as F
from torch import nn


def _mlp(width, hidden):
    return nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))


class TemporalTransformer(nn.Module):
    """Pre-LN encoder layers (exact GELU, no dropout) under "layers", no final norm."""

    def __init__(self, width, layers, heads, hidden):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(width, heads, hidden, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=True) for _ in range(layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class AdaptationStep(nn.Module):
    """One backbone layer's step of the PAB: Y = LayerNorm(proj(features)),
    P' = P + MHA(P, Y, Y), P_next = P' + MLP(P')."""

    def __init__(self, input_width, width, heads, hidden, project):
        super().__init__()
        if project:
            self.input_proj = nn.Linear(input_width, width)
        else:
            self.input_proj = None
        self.norm = nn.LayerNorm(width, eps=1e-5)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.mlp = _mlp(width, hidden)

    def frames(self, features):
        return self.norm(features if self.input_proj is None else self.input_proj(features))

    def update(self, prompts, frames):
        attended = prompts + self.attn(prompts, frames, frames, need_weights=False)[0]
        return attended + self.mlp(attended)


class ProgressiveAdaptationBlock(nn.Module):
    """Paper Eq. 2-6: prompts refined layer by layer, then a temporal transformer
    over [Y_n, P_n] + positions; the video feature is the mean over positions."""

    def __init__(self, width=768, num_prompts=2, num_layers=12, input_widths=(), num_frames=8, temporal_layers=6,
                 heads=12, mlp_ratio=4):
        super().__init__()
        project = len(input_widths) > 0
        hidden = mlp_ratio * width
        self.num_frames = num_frames
        self.prompts = nn.Parameter(torch.zeros(num_prompts, width))
        self.positional_embedding = nn.Parameter(torch.zeros(num_frames + num_prompts, width))
        self.steps = nn.ModuleList(
            AdaptationStep(input_widths[i] if project else width, width, heads, hidden, project)
            for i in range(num_layers))
        self.temporal = TemporalTransformer(width, temporal_layers, heads, hidden)

    def forward(self, layer_features):
        if len(layer_features) != len(self.steps):
            raise ValueError(f"the block reads {len(self.steps)} layers, got {len(layer_features)}")
        p = self.prompts.unsqueeze(0).expand(layer_features[0].shape[0], -1, -1)
        for step, features in zip(self.steps, layer_features):
            y = step.frames(features)
            p = step.update(p, y)
        return self.temporal(torch.cat([y, p], 1) + self.positional_embedding).mean(1)


class LockEncoder(nn.Module):
    """Table 4's lock encoder (ActionCLIP's Transf fusion) over the last layer:
    mean_t(Transformer(X + pos) + X)."""

    def __init__(self, width=768, num_frames=8, temporal_layers=6, heads=12, mlp_ratio=4, input_width=None):
        super().__init__()
        if input_width is not None:
            self.input_proj = nn.Linear(input_width, width)
        else:
            self.input_proj = None
        self.positional_embedding = nn.Parameter(torch.zeros(num_frames, width))
        self.temporal = TemporalTransformer(width, temporal_layers, heads, mlp_ratio * width)

    def forward(self, layer_features):
        x = layer_features[-1]
        x = x if self.input_proj is None else self.input_proj(x)
        return (self.temporal(x + self.positional_embedding) + x).mean(1)


class VideoAdapter(nn.Module):
    """pretrain.adapter of a config: the PAB under "pab" or the lock encoder under "lock_encoder"."""

    def __init__(self, mode="pab", lock_input="class_token", width=768, num_prompts=2, num_layers=12,
                 input_widths=(), num_frames=8, temporal_layers=6, heads=12, mlp_ratio=4):
        super().__init__()
        self.num_layers = num_layers
        if mode == "pab":
            self.pab = ProgressiveAdaptationBlock(width, num_prompts, num_layers, input_widths, num_frames,
                                                  temporal_layers, heads, mlp_ratio)
        elif mode == "lock_encoder":
            project = lock_input != "embedding" and len(input_widths) > 0
            self.lock_encoder = LockEncoder(width, num_frames, temporal_layers, heads, mlp_ratio,
                                            input_widths[-1] if project else None)
        else:
            raise ValueError(f'adapter mode must be "pab" or "lock_encoder", not "{mode}"')

    def forward(self, layer_features):
        """The video feature f [B, D] from the last num_layers of `layer_features`."""
        used = list(layer_features)[-self.num_layers:]
        return self.pab(used) if hasattr(self, "pab") else self.lock_encoder(used)


class WeightNormLinear(nn.Module):
    """Linear without bias, W[k] = g[k] v[k] / ||v[k]|| (weight_g [K, 1], weight_v [K, in])."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight_g = nn.Parameter(torch.ones(out_features, 1), requires_grad=False)
        self.weight_v = nn.Parameter(torch.zeros(out_features, in_features))

    def forward(self, x):
        return F.linear(x, self.weight_v * (self.weight_g / self.weight_v.norm(2, dim=1, keepdim=True)))


class DinoHead(nn.Module):
    """DINO's projection head: MLP (GELU) to the bottleneck, L2 normalisation,
    weight-normalised prototypes. Returns scores [B, K] before the temperature softmax."""

    def __init__(self, in_dim, hidden_dim=2048, bottleneck_dim=256, out_dim=65536):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.GELU(), nn.Linear(hidden_dim, hidden_dim),
                                 nn.GELU(), nn.Linear(hidden_dim, bottleneck_dim))
        self.last_layer = WeightNormLinear(bottleneck_dim, out_dim)

    def forward(self, x):
        z = self.mlp(x)
        return self.last_layer(z / z.norm(2, dim=-1, keepdim=True).clamp_min(1e-12))


class VideoClassifier(nn.Module):
    """dap-finetune's classifier after the backbone: f = adapter(features), then
    linear(f), or (text head) logit_scale x cos(text_proj(text_ln(f)), class embedding)
    (f itself when the adapter reads CLIP's image embeddings). class_names[c] names
    score column c. In eval mode with ensemble="probabilities" and several templates the
    text head scores as ActionCLIP's test: log of the mean over templates of each
    template's softmax over the classes."""

    def __init__(self, adapter, num_classes, head="linear", embed_dim=512, logit_scale=100.0,
                 reads_embedding=False, class_names=None, num_templates=1, ensemble="embeddings"):
        super().__init__()
        self.adapter = adapter
        width = _adapter_width(adapter)
        self.logit_scale = logit_scale
        self.ensemble = ensemble
        self.class_names = list(class_names or [])
        self.linear = self.text_ln = self.text_proj = None
        if head == "linear":
            self.linear = nn.Linear(width, num_classes)
        elif head == "text":
            if not reads_embedding:
                self.text_ln = nn.LayerNorm(width, eps=1e-5)
                self.text_proj = nn.Linear(width, embed_dim, bias=False)
            self.register_buffer("class_embeddings", torch.zeros(num_classes, embed_dim))
            self.register_buffer("template_embeddings", torch.zeros(num_classes, num_templates, embed_dim))
        else:
            raise ValueError(f'head must be "linear" or "text", not "{head}"')

    def video_feature(self, layer_features):
        return self.adapter(layer_features)

    def forward(self, layer_features):
        """Class scores [B, C] from the backbone's layer features."""
        f = self.adapter(layer_features)
        if self.linear is not None:
            return self.linear(f)
        embedding = F.normalize(f if self.text_proj is None else self.text_proj(self.text_ln(f)), dim=-1)
        templates = self.template_embeddings.shape[1]
        if not self.training and self.ensemble == "probabilities" and templates > 1:
            per_template = self.logit_scale * torch.einsum("be,cke->bck", embedding, self.template_embeddings)
            return torch.logsumexp(torch.log_softmax(per_template, dim=1), dim=2) - math.log(templates)
        return self.logit_scale * embedding @ self.class_embeddings.t()


def _adapter_width(adapter):
    block = adapter.pab if hasattr(adapter, "pab") else adapter.lock_encoder
    return block.positional_embedding.shape[1]
