"""The training loader's sampling (src/core/data/clip_views.h,
distributed_sampler.h) in numpy: the same seed gives the same frames, mask and
crop as dap's C++ loader, and views equal to its floats within rounding.

A clip's views in an epoch come from MT19937_64(clip_view_seed(seed, epoch, clip)),
drawn in this order: the T frames of o/e, the mix mask(s), the T frames of the
local view l, the crop of l; a single view (fine-tuning) draws its frames and then,
with augment.kind = "actionclip", ActionCLIP's training transform (draw_augmentation)."""
import math
from dataclasses import dataclass, field, replace

import numpy as np

from .random import MT19937_64, fisher_yates_shuffle, mix_seed, random_below, random_unit

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass
class AugmentSettings:
    """finetune.augment of a config (names as there): ActionCLIP's training transform
    of the single view, one draw per clip (kind "none": no augmentation)."""
    kind: str = "none"
    scales: tuple = (1.0, 0.875, 0.75, 0.66)
    max_distort: int = 1
    flip: float = 0.5
    color_jitter: float = 0.8
    brightness: float = 0.4
    contrast: float = 0.4
    saturation: float = 0.2
    hue: float = 0.1
    grayscale: float = 0.2

    def __post_init__(self):
        if self.kind not in ("none", "actionclip"):
            raise ValueError(f'view settings: augment kind must be "none" or "actionclip", not "{self.kind}"')
        if not self.scales or not all(0 < x <= 1 for x in self.scales):
            raise ValueError("view settings: augment scales must list scales in (0, 1]")
        if self.max_distort < 0:
            raise ValueError("view settings: augment max_distort must not be negative")
        if not all(0 <= p <= 1 for p in (self.flip, self.color_jitter, self.grayscale)):
            raise ValueError("view settings: augment flip, color_jitter and grayscale are probabilities in [0, 1]")
        if min(self.brightness, self.contrast, self.saturation) < 0 or not 0 <= self.hue <= 0.5:
            raise ValueError("view settings: augment brightness, contrast, saturation >= 0, hue in [0, 0.5]")


@dataclass
class ViewSettings:
    """pretrain.views of a config (names as there); views: "all" (o, e, m, l) or
    "original" / "enhanced" alone (fine-tuning, evaluation)."""
    num_frames: int = 8
    size: int = 224
    local_size: int = 96
    local_scale_min: float = 0.05
    local_scale_max: float = 0.4
    patch_size: int = 16
    mask_per_frame: bool = False
    jitter: bool = True
    mean: tuple = CLIP_MEAN
    std: tuple = CLIP_STD
    views: str = "all"
    augment: AugmentSettings = field(default_factory=AugmentSettings)

    def __post_init__(self):
        if min(self.num_frames, self.size, self.local_size, self.patch_size) < 1:
            raise ValueError("view settings: num_frames, size, local_size and patch_size must be positive")
        if self.size % self.patch_size:
            raise ValueError(f"view settings: size {self.size} is not a multiple of the patch size {self.patch_size}")
        if not 0 < self.local_scale_min <= self.local_scale_max <= 1:
            raise ValueError("view settings: local crop scale must satisfy 0 < min <= max <= 1")
        if self.views not in ("all", "original", "enhanced"):
            raise ValueError(f'view settings: views must be "all", "original" or "enhanced", not "{self.views}"')
        if isinstance(self.augment, dict):
            self.augment = AugmentSettings(**self.augment)
        if self.augment.kind != "none" and self.views == "all":
            raise ValueError('view settings: augment needs a single view (views "original" or "enhanced")')


def clip_view_seed(seed, epoch, clip):
    """The seed of clip `clip` (its index in the data set) in `epoch` of a run seeded `seed`."""
    return mix_seed(seed, epoch, clip)


def epoch_permutation(size, seed, epoch):
    """The order of the data set's clips (or of a selection's positions) in `epoch`."""
    order = list(range(size))
    fisher_yates_shuffle(order, MT19937_64(mix_seed(seed, epoch)))
    return order


def rank_batch(clips, global_batch, rank, world, seed, epoch, step):
    """The clips rank `rank` of `world` trains on at `step` of `epoch` (DistributedSampler):
    `clips` are the data-set indices sampled from (a split, or every clip)."""
    local = global_batch // world
    order = epoch_permutation(len(clips), seed, epoch)
    first = step * global_batch + rank * local
    return [clips[p] for p in order[first:first + local]]


def segment_frame_indices(frame_count, num_frames, jitter, rng):
    """T segments over the stored frames: a uniform frame inside each (jitter) or its centre."""
    if frame_count <= 0 or num_frames <= 0:
        raise ValueError(f"segment_frame_indices: {num_frames} frames from a clip of {frame_count}")
    if not jitter:
        return [(2 * k + 1) * frame_count // (2 * num_frames) for k in range(num_frames)]
    indices = []
    for k in range(num_frames):
        position = (k + random_unit(rng)) * float(frame_count) / num_frames
        indices.append(min(int(position), frame_count - 1))
    return indices


def balanced_patch_mask(cells, rng):
    """floor(cells/2) or ceil(cells/2) ones (a coin decides), placed by Fisher-Yates; 1 = original patch."""
    round_up = random_below(rng, 2) == 1
    ones = cells // 2 + (1 if cells % 2 == 1 and round_up else 0)
    mask = [1] * ones + [0] * (cells - ones)
    fisher_yates_shuffle(mask, rng)
    return mask


def random_resized_crop(height, width, scale_min, scale_max, rng):
    """torchvision's RandomResizedCrop.get_params (ratio 3/4..4/3): (top, left, h, w)."""
    area = float(height) * width
    log_min, log_max = math.log(3.0 / 4.0), math.log(4.0 / 3.0)
    for _ in range(10):
        target = area * (scale_min + (scale_max - scale_min) * random_unit(rng))
        aspect = math.exp(log_min + (log_max - log_min) * random_unit(rng))
        w = round(math.sqrt(target * aspect))  # round half to even, as std::nearbyint
        h = round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            top = random_below(rng, height - h + 1)
            left = random_below(rng, width - w + 1)
            return top, left, h, w
    ratio = width / height
    w, h = width, height
    if ratio < 3.0 / 4.0:
        h = round(w / (3.0 / 4.0))
    if ratio > 4.0 / 3.0:
        w = round(h * (4.0 / 3.0))
    return (height - h) // 2, (width - w) // 2, h, w


def _axis_taps(out, start, step, first, last):
    """Bilinear taps with half-pixel centres: (low, high, weight of high) per output coordinate."""
    source = np.clip(start + (np.arange(out) + 0.5) * step - 0.5, first, last)
    low = np.floor(source).astype(np.int64)
    return low, np.minimum(low + 1, last), (source - low).astype(np.float32)


def _resize_centre_crop_taps(size, extent, shorter):
    """torchvision Resize(size) of the shorter side, then CenterCrop(size), along one axis."""
    resized = size if extent == shorter else size * extent // shorter
    offset = round((resized - size) / 2.0)
    step = extent / resized
    return _axis_taps(size, offset * step, step, 0, extent - 1)


def _sample(frames, rows, cols, settings):
    """Bilinear samples of uint8 [T, H, W, 3] frames, normalised, as float32 [T, 3, rows, cols]."""
    x = frames.astype(np.float32)
    (row_low, row_high, row_w), (col_low, col_high, col_w) = rows, cols
    a, b = x[:, :, col_low, :], x[:, :, col_high, :]
    across = a + col_w[None, None, :, None] * (b - a)
    top, bottom = across[:, row_low], across[:, row_high]
    value = top + row_w[None, :, None, None] * (bottom - top)
    mean = np.asarray(settings.mean, np.float32)
    std = np.asarray(settings.std, np.float32)
    return np.ascontiguousarray(((value / np.float32(255.0) - mean) / std).transpose(0, 3, 1, 2))


def multi_scale_crop_sizes(width, height, size, scales, max_distort):
    """ActionCLIP's GroupMultiScaleCrop crop sides (w, h): int(min(W, H) * scale), within 3 px of
    size snapped to size, capped at the frame; pairs of scales at most max_distort apart."""
    base = min(width, height)
    sides = [int(base * x) for x in scales]
    sides = [size if abs(x - size) < 3 else x for x in sides]
    crop_w = [min(max(x, 1), width) for x in sides]
    crop_h = [min(max(x, 1), height) for x in sides]
    return [(w, h) for i, h in enumerate(crop_h) for j, w in enumerate(crop_w) if abs(i - j) <= max_distort]


def fixed_crop_offsets(width, height, crop_width, crop_height):
    """ActionCLIP's fill_fix_offset(more_fix_crop=True): 13 (left, top) offsets."""
    ws, hs = (width - crop_width) // 4, (height - crop_height) // 4
    return [(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs), (0, 2 * hs), (4 * ws, 2 * hs),
            (2 * ws, 4 * hs), (2 * ws, 0), (ws, hs), (3 * ws, hs), (ws, 3 * hs), (3 * ws, 3 * hs)]


@dataclass
class AugmentDraws:
    """One clip's augmentation: the crop (top, left, h, w) of the stored frames, the flip,
    jitter on/off with its order (0 brightness, 1 contrast, 2 saturation, 3 hue) and
    factors, grayscale."""
    crop: tuple
    flip: bool
    jitter: bool
    order: list
    brightness: float
    contrast: float
    saturation: float
    hue: float
    grayscale: bool


def draw_augmentation(height, width, size, a, rng):
    """The draws in the C++ order: crop sides, offset, flip, jitter, brightness, contrast,
    saturation, hue, order (Fisher-Yates), grayscale."""
    pairs = multi_scale_crop_sizes(width, height, size, a.scales, a.max_distort)
    crop_w, crop_h = pairs[random_below(rng, len(pairs))]
    offsets = fixed_crop_offsets(width, height, crop_w, crop_h)
    left, top = offsets[random_below(rng, len(offsets))]
    flip = random_unit(rng) < a.flip
    jitter = random_unit(rng) < a.color_jitter

    def factor(x):
        low = max(0.0, 1.0 - x)
        return low + (1.0 + x - low) * random_unit(rng)

    brightness, contrast, saturation = factor(a.brightness), factor(a.contrast), factor(a.saturation)
    hue = -a.hue + 2.0 * a.hue * random_unit(rng)
    order = [0, 1, 2, 3]
    fisher_yates_shuffle(order, rng)
    grayscale = random_unit(rng) < a.grayscale
    return AugmentDraws((top, left, crop_h, crop_w), flip, jitter, order, brightness, contrast, saturation, hue,
                        grayscale)


def _luma(x):
    """float32 [T, 3, H, W] -> [T, 1, H, W], in the C++ order of operations."""
    return (np.float32(0.299) * x[:, 0] + np.float32(0.587) * x[:, 1] + np.float32(0.114) * x[:, 2])[:, None]


def _blend(a, b, ratio):
    ratio = np.float32(ratio)
    return np.clip(ratio * a + (np.float32(1.0) - ratio) * b, np.float32(0.0), np.float32(1.0))


def _shift_hue(x, shift):
    """torchvision adjust_hue (_rgb2hsv, h = (h + shift) mod 1, _hsv2rgb) in float32."""
    one, zero = np.float32(1.0), np.float32(0.0)
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    maxc, minc = x.max(axis=1), x.min(axis=1)
    equal = maxc == minc
    cr = maxc - minc
    s = cr / np.where(equal, one, maxc)
    divisor = np.where(equal, one, cr)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, np.float32(2.0) + rc - bc, np.float32(4.0) + gc - rc))
    h = np.fmod(h / np.float32(6.0) + one, one) + np.float32(shift)
    h = h - np.floor(h)
    h6 = h * np.float32(6.0)
    sector = np.floor(h6)
    f = h6 - sector
    v = maxc
    p = np.clip(v * (one - s), zero, one)
    q = np.clip(v * (one - s * f), zero, one)
    t = np.clip(v * (one - s * (one - f)), zero, one)
    i = sector.astype(np.int64) % 6
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    return np.stack([np.select([i == k for k in range(6)], [table[k][ch] for k in range(6)]) for ch in range(3)],
                    axis=1).astype(np.float32)


def augment_colour(x, d):
    """The colour part of draws `d` on float32 [T, 3, H, W] values in [0, 1]: jitter in its
    order (an identity factor skipped), then grayscale."""
    if d.jitter:
        for op in d.order:
            if op == 0 and d.brightness != 1.0:
                x = np.clip(np.float32(d.brightness) * x, np.float32(0.0), np.float32(1.0))
            elif op == 1 and d.contrast != 1.0:
                mean = _luma(x).astype(np.float64).sum(axis=(1, 2, 3)) / (x.shape[2] * x.shape[3])
                x = _blend(x, mean.astype(np.float32)[:, None, None, None], d.contrast)
            elif op == 2 and d.saturation != 1.0:
                x = _blend(x, _luma(x), d.saturation)
            elif op == 3 and d.hue != 0.0:
                x = _shift_hue(x, d.hue)
    if d.grayscale:
        x = np.repeat(_luma(x), 3, axis=1)
    return np.ascontiguousarray(x, np.float32)


def _mix(mask, original, enhanced, settings):
    """m: each PxP cell from o where the mask is 1, else from e."""
    grid = settings.size // settings.patch_size
    cells = np.asarray(mask, bool).reshape(-1, grid, grid)  # [1 or T, grid, grid]
    pixels = cells.repeat(settings.patch_size, 1).repeat(settings.patch_size, 2)[:, None]
    return np.where(pixels, original, enhanced)


@dataclass
class ClipViews:
    """One clip's views as the C++ loader builds them: float32 [T, 3, H, W] each
    (only `original` in single-view mode), the mask and the stored-frame indices used."""
    original: np.ndarray
    enhanced: np.ndarray = None
    mixed: np.ndarray = None
    local: np.ndarray = None
    mask: list = field(default_factory=list)
    frames: list = field(default_factory=list)
    local_frames: list = field(default_factory=list)
    crop: tuple = None
    augment: AugmentDraws = None


def build_views(read_frames, frame_count, height, width, settings, seed):
    """The views of one clip: `read_frames(indices, enhanced)` returns its stored
    frames `indices` as uint8 [len, H, W, 3]; `seed` is clip_view_seed(...)."""
    rng = MT19937_64(seed)
    s = settings
    frames = segment_frame_indices(frame_count, s.num_frames, s.jitter, rng)
    shorter = min(height, width)
    rows = _resize_centre_crop_taps(s.size, height, shorter)
    cols = _resize_centre_crop_taps(s.size, width, shorter)
    if s.views != "all":
        pixels = read_frames(frames, s.views == "enhanced")
        if s.augment.kind == "none":
            return ClipViews(original=_sample(pixels, rows, cols, s), frames=frames)
        d = draw_augmentation(height, width, s.size, s.augment, rng)
        top, left, h, w = d.crop
        rows = _axis_taps(s.size, top, h / s.size, top, top + h - 1)
        cols = _axis_taps(s.size, left, w / s.size, left, left + w - 1)
        if d.flip:
            cols = tuple(a[::-1].copy() for a in cols)
        if not d.jitter and not d.grayscale:
            return ClipViews(original=_sample(pixels, rows, cols, s), frames=frames, augment=d)
        unit = replace(s, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))  # x / 255 exactly
        x = augment_colour(_sample(pixels, rows, cols, unit), d)
        mean = np.asarray(s.mean, np.float32).reshape(1, 3, 1, 1)
        std = np.asarray(s.std, np.float32).reshape(1, 3, 1, 1)
        return ClipViews(original=np.ascontiguousarray((x - mean) / std), frames=frames, augment=d)
    cells = (s.size // s.patch_size) ** 2
    mask = []
    for _ in range(s.num_frames if s.mask_per_frame else 1):
        mask += balanced_patch_mask(cells, rng)
    local_frames = segment_frame_indices(frame_count, s.num_frames, s.jitter, rng)
    top, left, h, w = random_resized_crop(height, width, s.local_scale_min, s.local_scale_max, rng)
    original = _sample(read_frames(frames, False), rows, cols, s)
    enhanced = _sample(read_frames(frames, True), rows, cols, s)
    local_rows = _axis_taps(s.local_size, top, h / s.local_size, top, top + h - 1)
    local_cols = _axis_taps(s.local_size, left, w / s.local_size, left, left + w - 1)
    local = _sample(read_frames(local_frames, False), local_rows, local_cols, s)
    return ClipViews(original=original, enhanced=enhanced, mixed=_mix(mask, original, enhanced, s), local=local,
                     mask=mask, frames=frames, local_frames=local_frames, crop=(top, left, h, w))
