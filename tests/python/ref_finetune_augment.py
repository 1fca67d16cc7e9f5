#!/usr/bin/python3
"""Reference of the fine-tuning augmentation (finetune.augment.kind = "actionclip",
src/core/data/clip_views.cpp) in plain torch, for tests/python/test_finetune_augment.py.
Not a test itself.

- actionclip_crops: every crop ActionCLIP's GroupMultiScaleCrop (datasets/transforms_ss.py,
  fix_crop=True, more_fix_crop=True) can choose, transcribed from its _sample_crop_size and
  fill_fix_offset;
- geometry: for given draws, the stored frames cropped, resized with
  torch.nn.functional.interpolate(mode="bilinear", align_corners=False) and flipped;
- colour: torchvision's tensor formulas of ColorJitter's four operations and Grayscale
  (functional_tensor.py: _blend, adjust_*, _rgb2hsv, _hsv2rgb), written with torch alone
  and the ITU-R 601-2 luma 0.299 R + 0.587 G + 0.114 B, for given factors and order.
Everything runs in float64."""
import torch
import torch.nn.functional as F

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def fill_fix_offset(more_fix_crop, image_w, image_h, crop_w, crop_h):
    w_step = (image_w - crop_w) // 4
    h_step = (image_h - crop_h) // 4
    ret = [(0, 0), (4 * w_step, 0), (0, 4 * h_step), (4 * w_step, 4 * h_step), (2 * w_step, 2 * h_step)]
    if more_fix_crop:
        ret += [(0, 2 * h_step), (4 * w_step, 2 * h_step), (2 * w_step, 4 * h_step), (2 * w_step, 0),
                (1 * w_step, 1 * h_step), (3 * w_step, 1 * h_step), (1 * w_step, 3 * h_step), (3 * w_step, 3 * h_step)]
    return ret


def actionclip_crops(image_w, image_h, input_size, scales=(1, .875, .75, .66), max_distort=1):
    """The set of (top, left, height, width) crops GroupMultiScaleCrop(input_size, scales) can take."""
    base_size = min(image_w, image_h)
    crop_sizes = [int(base_size * x) for x in scales]
    crop_h = [input_size if abs(x - input_size) < 3 else x for x in crop_sizes]
    crop_w = [input_size if abs(x - input_size) < 3 else x for x in crop_sizes]
    pairs = []
    for i, h in enumerate(crop_h):
        for j, w in enumerate(crop_w):
            if abs(i - j) <= max_distort:
                pairs.append((w, h))
    crops = set()
    for w, h in pairs:
        for w_offset, h_offset in fill_fix_offset(True, image_w, image_h, w, h):
            crops.add((h_offset, w_offset, h, w))
    return crops


def geometry(frames, crop, flip, size):
    """uint8 frames [T, H, W, 3] (numpy) -> float64 [T, 3, size, size] in [0, 1]."""
    top, left, height, width = crop
    x = torch.from_numpy(frames).to(torch.float64).permute(0, 3, 1, 2)[:, :, top:top + height, left:left + width]
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    if flip:
        x = x.flip(-1)
    return x / 255.0


def luma(x):
    return (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)


def blend(a, b, ratio):
    return (ratio * a + (1.0 - ratio) * b).clamp(0.0, 1.0)


def adjust_brightness(x, factor):
    return blend(x, torch.zeros_like(x), factor)


def adjust_contrast(x, factor):
    return blend(x, luma(x).mean(dim=(-3, -2, -1), keepdim=True), factor)  # per frame


def adjust_saturation(x, factor):
    return blend(x, luma(x), factor)


def rgb_to_hsv(x):
    r, g, b = x.unbind(dim=-3)
    maxc = torch.max(x, dim=-3).values
    minc = torch.min(x, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    cr_divisor = torch.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return torch.stack((h, s, maxc), dim=-3)


def hsv_to_rgb(x):
    h, s, v = x.unbind(dim=-3)
    i = torch.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=torch.int32)
    p = torch.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = torch.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = torch.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == torch.arange(6, device=i.device).view(-1, 1, 1)
    a1 = torch.stack((v, q, p, p, t, v), dim=-3)
    a2 = torch.stack((t, v, v, q, p, p), dim=-3)
    a3 = torch.stack((p, p, t, v, v, q), dim=-3)
    a4 = torch.stack((a1, a2, a3), dim=-4)
    return torch.einsum("...ijk, ...xijk -> ...xjk", mask.to(dtype=x.dtype), a4)


def adjust_hue(x, shift):
    h, s, v = rgb_to_hsv(x).unbind(dim=-3)
    h = (h + shift) % 1.0
    return hsv_to_rgb(torch.stack((h, s, v), dim=-3))


def grayscale(x):
    return luma(x).expand_as(x).clone()


def colour(x, jitter, order, factors, gray):
    """ColorJitter's operations in `order` (0 brightness, 1 contrast, 2 saturation, 3 hue)
    with `factors` when `jitter`, then Grayscale when `gray`."""
    ops = [adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue]
    if jitter:
        for op in order:
            x = ops[op](x, float(factors[op]))
    return grayscale(x) if gray else x


def normalise(x, mean=CLIP_MEAN, std=CLIP_STD):
    mean = torch.tensor(mean, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(std, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std


def augmented_view(frames, crop, flip, jitter, order, factors, gray, size):
    """The augmented, normalised view [T, 3, size, size] for given draws."""
    return normalise(colour(geometry(frames, crop, flip, size), jitter, order, factors, gray))
