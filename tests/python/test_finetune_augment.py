#!/usr/bin/python3
"""The fine-tuning loader's augmentation (finetune.augment.kind = "actionclip") against
plain torch (tests/python/ref_finetune_augment.py), through dap-views (the C++ loader's
ClipViewBuilder, which writes the view and its draws):
- each crop is one ActionCLIP's GroupMultiScaleCrop can take (transcribed from its code),
  and over seeds several crops, both flips and the frames of the unaugmented view occur;
- for the drawn crop and flip, torch's crop + interpolate(bilinear, align_corners=False) +
  flip gives the view within 1e-5 (colour jitter and grayscale off);
- for the drawn factors and order, each colour operation alone (grayscale, brightness,
  contrast, saturation, hue) and all of them together match torchvision's tensor
  formulas within 1e-5;
- python/dap_data (sampling.py, from the source tree) draws the same and builds the same
  views within 1e-5.
The clips are real videos preprocessed to 48x64 (not square: crop widths and heights differ)."""
import os
import subprocess
import sys
import tempfile
import shutil

import dap_test_support as support

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE, FRAMES = 32, 4
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def make_shards(work):
    folder = os.path.join(work, "real")
    clips = sorted(os.listdir(os.path.join(support.ASSETS, "videos", "real")))[:3]
    manifest = os.path.join(work, "real.csv")
    with open(manifest, "w") as out:
        out.write("path,label,id\n")
        for i, name in enumerate(clips):
            out.write(f"{name},{i % 2},{os.path.splitext(name)[0]}\n")
    result = support.mpirun(1, "dap-preprocess", [
        "--config", "lua/preprocess_demo.lua", f"preprocess.data.root={support.ASSETS}/videos/real",
        f"preprocess.data.manifest={manifest}", f"preprocess.output.dir={folder}", "preprocess.resize.height=48",
        "preprocess.resize.width=64", "preprocess.resize.mode=stretch", "preprocess.sampling.mode=uniform",
        "preprocess.sampling.num_frames=12", "preprocess.enhancer.name=none",
        "preprocess.data.class_names={\"a\", \"b\"}"], timeout=300)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:])
    check(result.returncode == 0, f"dap-preprocess of real clips: exit {result.returncode}")
    return folder


def dap_views(folder, video, seed, epoch, out, *extra):
    args = [support.binary("dap-views"), "--shards", folder, "--id", video, "--seed", str(seed), "--epoch",
            str(epoch), "--output", out, "--num-frames", str(FRAMES), "--size", str(SIZE), "--patch-size", "8",
            "--views", "original", *extra]
    result = subprocess.run(args, capture_output=True, text=True)
    check(result.returncode == 0, f"dap-views {' '.join(extra)}: exit {result.returncode} {result.stderr}")
    return result.returncode == 0


def augment_flags(a):
    """dap-views' flags for AugmentSettings `a`."""
    return ["--augment", a.kind, "--augment-scales", *[repr(float(x)) for x in a.scales], "--max-distort",
            str(a.max_distort), "--flip", repr(a.flip), "--color-jitter", repr(a.color_jitter), "--brightness",
            repr(a.brightness), "--contrast", repr(a.contrast), "--saturation", repr(a.saturation), "--hue",
            repr(a.hue), "--grayscale", repr(a.grayscale)]


def read_views(path):
    import h5py
    with h5py.File(path) as f:
        views = {name: f[name][:] for name in f}
    return views


def main():
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(support.SOURCE, "python"))
    import numpy as np
    import torch
    import ref_finetune_augment as ref
    from dap_data import AugmentSettings, ShardSet, ViewSettings

    support.binary("dap-preprocess")
    work = tempfile.mkdtemp(prefix="dap_augment_")
    try:
        folder = make_shards(work)
        if problems:
            return 1
        data = ShardSet(folder)
        check((data.height, data.width) == (48, 64), f"48x64 frames, not {data.height}x{data.width}")
        print(f"ActionCLIP's crops of a 64x48 frame for {SIZE}x{SIZE}: {len(ref.actionclip_crops(64, 48, SIZE))}")
        out = os.path.join(work, "views.h5")
        # Each case: the augmentation settings (colour operations one at a time, then all).
        jitter_only = dict(kind="actionclip", color_jitter=1.0, grayscale=0.0, brightness=0.0, contrast=0.0,
                           saturation=0.0, hue=0.0)
        cases = {
            "geometry": AugmentSettings(kind="actionclip", color_jitter=0.0, grayscale=0.0),
            "grayscale": AugmentSettings(kind="actionclip", color_jitter=0.0, grayscale=1.0),
            "brightness": AugmentSettings(**dict(jitter_only, brightness=0.4)),
            "contrast": AugmentSettings(**dict(jitter_only, contrast=0.4)),
            "saturation": AugmentSettings(**dict(jitter_only, saturation=0.6)),
            "hue": AugmentSettings(**dict(jitter_only, hue=0.5)),
            "everything": AugmentSettings(kind="actionclip", color_jitter=1.0, grayscale=0.5),
            "defaults": AugmentSettings(kind="actionclip", scales=(1.0, 0.8, 0.5), max_distort=2),
        }
        crops, flips, compared = set(), set(), 0
        for case, augment in cases.items():
            flags = augment_flags(augment)
            settings = ViewSettings(num_frames=FRAMES, size=SIZE, patch_size=8, views="original", augment=augment)
            allowed = ref.actionclip_crops(data.width, data.height, SIZE, augment.scales, augment.max_distort)
            worst = mirror_worst = 0.0
            for k, video in enumerate(data.videos):
                for seed, epoch in ((1, 0), (2, 1), (3, 5), (11, 2)):
                    seed += 17 * k
                    if not dap_views(folder, video.id, seed, epoch, out, *flags):
                        continue
                    v = read_views(out)
                    top, left, height, width = (int(x) for x in v["augment_crop"])
                    flip, jitter, gray = (bool(x) for x in v["augment_flags"])
                    crops.add((top, left, height, width))
                    flips.add(flip)
                    check((top, left, height, width) in allowed,
                          f"{case} {video.id} seed {seed}: crop {(top, left, height, width)} is one of ActionCLIP's")
                    if case == "geometry":
                        check(not jitter and not gray, "no colour with color_jitter 0 and grayscale 0")
                        if dap_views(folder, video.id, seed, epoch, out):
                            plain = read_views(out)
                            check(list(plain["frames"]) == list(v["frames"]),
                                  f"{video.id} seed {seed}: the augmented view's frames are the unaugmented one's")
                            check("augment_crop" not in plain, "no draws without augmentation")
                    if case == "grayscale":
                        check(gray and not jitter, "grayscale 1, color_jitter 0: grayscale only")
                    if case not in ("geometry", "grayscale", "defaults"):
                        check(jitter and (case == "everything" or not gray), f"{case}: jitter on")
                    # python/dap_data: the same draws, the same view.
                    mine = data.views(video.id, settings, seed=seed, epoch=epoch)
                    d = mine.augment
                    check(list(mine.frames) == [int(f) for f in v["frames"]] and
                          d.crop == (top, left, height, width) and
                          (d.flip, d.jitter, d.grayscale) == (flip, jitter, gray) and
                          d.order == [int(x) for x in v["augment_order"]] and
                          np.allclose([d.brightness, d.contrast, d.saturation, d.hue], v["augment_factors"]),
                          f"{case} {video.id} seed {seed}: dap_data draws as the C++ loader")
                    mirror_worst = max(mirror_worst, float(np.abs(mine.original - v["original"]).max()))
                    frames = data.read(video.id, [int(f) for f in v["frames"]])
                    expected = ref.augmented_view(frames, (top, left, height, width), flip, jitter,
                                                  [int(x) for x in v["augment_order"]],
                                                  [float(x) for x in v["augment_factors"]], gray, SIZE)
                    error = float((torch.from_numpy(v["original"]).double() - expected).abs().max())
                    worst = max(worst, error)
                    check(error <= 1e-5, f"{case} {video.id} seed {seed} epoch {epoch}: within 1e-5 of torch "
                                          f"(max {error:.3g}, crop {(top, left, height, width)}, flip {flip})")
                    if case == "grayscale":
                        view = v["original"]
                        gray_pixels = view * np.array(ref.CLIP_STD).reshape(1, 3, 1, 1) + \
                            np.array(ref.CLIP_MEAN).reshape(1, 3, 1, 1)
                        check(np.abs(gray_pixels - gray_pixels[:, :1]).max() < 1e-5, "grayscale: equal channels")
                    compared += 1
            print(f"{case:10s} max difference from torch {worst:.3g}, from dap_data {mirror_worst:.3g}")
            check(mirror_worst <= 1e-5,
                  f"{case}: dap_data's views within 1e-5 of the C++ loader's ({mirror_worst:.3g})")
        check(len(crops) >= 8, f"the draws vary over clips and seeds ({len(crops)} distinct crops)")
        check(flips == {False, True}, f"both flips occur ({flips})")
        # Sanity of the reference itself: with factor 1 (or shift 0) each operation is the identity,
        # saturation 0 is grayscale, a hue shift of 1/3 turns pure red green.
        x = torch.rand(2, 3, 5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        for op, identity in ((ref.adjust_brightness, 1.0), (ref.adjust_contrast, 1.0), (ref.adjust_saturation, 1.0),
                             (ref.adjust_hue, 0.0)):
            check(torch.allclose(op(x, identity), x, atol=1e-12), f"{op.__name__} identity")
        check(torch.allclose(ref.adjust_saturation(x, 0.0), ref.grayscale(x)), "saturation 0 is grayscale")
        red = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64).view(1, 3, 1, 1)
        check(torch.allclose(ref.adjust_hue(red, 1.0 / 3), torch.tensor([0.0, 1.0, 0.0]).double().view(1, 3, 1, 1)),
              "hue + 1/3: red -> green")
        print(f"views compared with torch: {compared}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("finetune augmentation: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
