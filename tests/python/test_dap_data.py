#!/usr/bin/python3
"""python/dap_data, installed as docs/PYTHON.md says (pip install --no-build-isolation
./python into a venv over Debian's numpy, h5py and torch, offline), against the C++ stages:
- ShardSet lists every video of real shards (dap-preprocess of the synthetic
  colour task and of real clips at a non-square size) with the ids, labels,
  class names, domains, splits and frames of index.json and the HDF5 files, and
  refuses an index or shard of another format version;
- for the same seed and epoch the views equal dap-views' (the C++ loader's
  ClipViewBuilder): frames, local frames and mask exactly, floats within 1e-5,
  in every view mode, and with fine-tuning's augmentation (finetune.augment) its draws
  exactly;
- ClipDataset gives the same items through DataLoader workers, and ShardStream
  splits the shard files over 2 ranks x 2 workers with every video read once;
- the modules load adapter.pt (PAB and lock encoder), model.pt (linear and text
  heads) and a checkpoint's DINO head strictly, and give dap-features' video
  features, class scores and prototype scores within 1e-4;
- docs/PYTHON.md's three examples are the files in python/examples, and they run."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import dap_test_support as support

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = "lua/finetune_tiny.lua"
EXAMPLES = ["read_clips.py", "train_on_shards.py", "load_adapter.py"]
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def run_stage(program, work, *extra):
    args = ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs", *extra]
    result = support.mpirun(1, program, args, timeout=300)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:])
    check(result.returncode == 0, f"{program} {' '.join(extra)}: exit {result.returncode}")


def shard_folder(root):
    folders = [os.path.join(root, d) for d in sorted(os.listdir(root))]
    return [f for f in folders if os.path.exists(os.path.join(f, "index.json"))][0]


def make_data(work):
    """The synthetic task's shards (and tiny runs on them), and real clips at 48x64."""
    sys.path.insert(0, HERE)
    import synthetic_task
    task = os.path.join(work, "task")
    synthetic_task.make_task(task, train_per_class=6, test_per_class=3)
    os.environ["DAP_TINY_TASK"] = task
    run_stage("dap-preprocess", work)
    real = os.path.join(work, "real")
    clips = sorted(os.listdir(os.path.join(support.ASSETS, "videos", "real")))[:3]
    manifest = os.path.join(work, "real.csv")
    with open(manifest, "w") as out:
        out.write("path,label,id\n")
        for i, name in enumerate(clips):
            out.write(f"{name},{i % 2},{os.path.splitext(name)[0]}\n")
    result = support.mpirun(1, "dap-preprocess", [
        "--config", "lua/preprocess_demo.lua", f"preprocess.data.root={support.ASSETS}/videos/real",
        f"preprocess.data.manifest={manifest}", f"preprocess.output.dir={real}", "preprocess.resize.height=48",
        "preprocess.resize.width=64", "preprocess.sampling.mode=uniform", "preprocess.sampling.num_frames=12",
        "preprocess.data.class_names={\"a\", \"b\"}"], timeout=300)
    check(result.returncode == 0, f"dap-preprocess of real clips: exit {result.returncode} {result.stderr[-2000:]}")
    return shard_folder(os.path.join(work, "data")), real


def make_exports(work):
    """adapter.pt (PAB, lock encoder), model.pt (linear, text head), a checkpoint."""
    runs = os.path.join(work, "runs")
    run_stage("dap-pretrain", work, "pretrain.optim.epochs=1")
    run_stage("dap-pretrain", work, "run.name=lock", "pretrain.adapter.mode=lock_encoder",
              "pretrain.adapter.input_widths={32, 32}", "pretrain.optim.epochs=1")
    run_stage("dap-finetune", work, "finetune.optim.epochs=1")
    run_stage("dap-finetune", work, "run.name=text", f"finetune.init_adapter={runs}/finetune_tiny/pretrain/split1/adapter.pt",
              "finetune.head.kind=text", "finetune.optim.epochs=1")
    tiny = os.path.join(runs, "finetune_tiny")
    checkpoints = os.path.join(tiny, "pretrain", "split1", "checkpoints")
    return {"pab": os.path.join(tiny, "pretrain", "split1", "adapter.pt"),
            "lock": os.path.join(runs, "lock", "pretrain", "split1", "adapter.pt"),
            "linear": os.path.join(tiny, "finetune", "split1-seed0", "model.pt"),
            "text": os.path.join(runs, "text", "finetune", "split1-seed0", "model.pt"),
            "checkpoint": os.path.join(checkpoints, sorted(n for n in os.listdir(checkpoints) if n.endswith(".pt"))[-1])}


def check_listing(folder):
    import h5py
    from dap_data import ShardSet
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    data = ShardSet(folder)
    ids = [i for s in index["shards"] for i in s["video_ids"]]
    check([v.id for v in data.videos] == ids, "ShardSet lists index.json's videos in order")
    check([v.clip for v in data.videos] == list(range(len(ids))), "clip indices count from 0")
    check(all(v.domain == "synthetic" and v.split == v.id.split("_")[0] for v in data.videos),
          "domains and splits from the manifest")
    check(all(v.class_name == v.id.split("_")[1] for v in data.videos), "class names from the labels")
    video = data.videos[-1]
    with h5py.File(video.shard) as f:
        offsets = f["video_offsets"][:]
        v = list(f["video_ids"].asstr()[:]).index(video.id)
        stored = f["frames_enhanced"][offsets[v]:offsets[v + 1]]
        check(int(f["labels"][v]) == video.label, "label of the shard")
    check(video.frames == len(stored) and (data.read(video.id, enhanced=True) == stored).all(), "read(id)")
    check((data.read(video.clip, [3, 1, 1], enhanced=True) == stored[[3, 1, 1]]).all(), "read of chosen frames")
    return data


def check_refusals(folder, work):
    import h5py
    from dap_data import FormatError, ShardSet
    copy = os.path.join(work, "future")
    shutil.copytree(folder, copy)
    path = os.path.join(copy, "index.json")
    with open(path) as f:
        index = json.load(f)
    index["format_version"] = 2
    with open(path, "w") as f:
        json.dump(index, f)
    try:
        ShardSet(copy)
        check(False, "an index of version 2 is refused")
    except FormatError as e:
        check("version 2" in str(e) and "version 1" in str(e), f"the refusal names both versions: {e}")
    index["format_version"] = 1
    with open(path, "w") as f:
        json.dump(index, f)
    with h5py.File(os.path.join(copy, index["shards"][0]["file"]), "r+") as f:
        f.attrs["format_version"] = 7
    try:
        ShardSet(copy)
        check(False, "a shard of version 7 is refused")
    except FormatError as e:
        check("version 7" in str(e), f"the shard refusal names its version: {e}")


def check_views(data, folder, settings_list, work):
    """The C++ loader's views (dap-views) against dap_data's, for several clips, seeds and epochs."""
    import h5py
    import numpy as np
    from dap_data import ViewSettings
    compared = 0
    for flags in settings_list:
        settings = ViewSettings(**flags)
        for k, video in enumerate(data.videos[::max(1, len(data) // 3)]):
            seed, epoch = 7 * k + 1, k % 3
            out = os.path.join(work, "views.h5")
            args = [support.binary("dap-views"), "--shards", folder, "--id", video.id, "--seed", str(seed), "--epoch",
                    str(epoch), "--output", out, "--num-frames", str(settings.num_frames), "--size", str(settings.size),
                    "--local-size", str(settings.local_size), "--patch-size", str(settings.patch_size),
                    "--views", settings.views]
            args += ["--mask-per-frame"] if settings.mask_per_frame else []
            args += [] if settings.jitter else ["--no-jitter"]
            a = settings.augment
            if a.kind != "none":
                args += ["--augment", a.kind, "--augment-scales", *[repr(float(x)) for x in a.scales],
                         "--max-distort", str(a.max_distort), "--flip", repr(a.flip), "--color-jitter",
                         repr(a.color_jitter), "--brightness", repr(a.brightness), "--contrast", repr(a.contrast),
                         "--saturation", repr(a.saturation), "--hue", repr(a.hue), "--grayscale", repr(a.grayscale)]
            result = subprocess.run(args, capture_output=True, text=True)
            if result.returncode != 0:
                check(False, f"dap-views {flags}: exit {result.returncode} {result.stderr}")
                continue
            mine = data.views(video.id, settings, seed=seed, epoch=epoch)
            with h5py.File(out) as f:
                same = list(f["frames"][:]) == mine.frames
                worst = float(np.abs(f["original"][:] - mine.original).max())
                if settings.views == "all":
                    same = same and list(f["local_frames"][:]) == mine.local_frames and list(f["mask"][:]) == mine.mask
                    for name in ("enhanced", "mixed", "local"):
                        worst = max(worst, float(np.abs(f[name][:] - getattr(mine, name)).max()))
                if a.kind != "none":
                    d = mine.augment
                    same = same and list(f["augment_crop"][:]) == list(d.crop) and \
                        list(f["augment_flags"][:]) == [d.flip, d.jitter, d.grayscale] and \
                        list(f["augment_order"][:]) == d.order and \
                        np.allclose(f["augment_factors"][:], [d.brightness, d.contrast, d.saturation, d.hue])
            check(same, f"{video.id} {flags}: the same frames, mask and augmentation draws as the C++ loader")
            check(worst <= 1e-5, f"{video.id} {flags}: views within 1e-5 of the C++ loader's (max {worst:.3g})")
            compared += 1
    print(f"views compared with dap-views: {compared} clip/setting pairs")


def check_torch_data(folder):
    import torch
    from dap_data import ViewSettings
    from dap_data.torch_data import ClipDataset, ShardStream
    settings = ViewSettings(num_frames=4, size=32, local_size=16, patch_size=8)
    data = ClipDataset(folder, settings, seed=3)
    data.set_epoch(1)
    item = data[5]
    views = data.shards.views(item["id"], settings, seed=3, epoch=1)
    check(torch.equal(item["mixed"], torch.from_numpy(views.mixed)), "ClipDataset item = ShardSet.views")
    loaded = next(iter(torch.utils.data.DataLoader(data, batch_size=len(data), num_workers=2)))
    direct = torch.stack([data[i]["local"] for i in range(len(data))])
    check(torch.equal(loaded["local"], direct), "DataLoader workers give the same views")
    seen = []
    for rank in range(2):
        stream = ShardStream(folder, ViewSettings(num_frames=2, size=16, patch_size=8, views="enhanced"), seed=1,
                             rank=rank, world=2)
        stream.set_epoch(2)
        batches = torch.utils.data.DataLoader(stream, batch_size=4, num_workers=2)
        seen += [i for batch in batches for i in batch["id"]]
    check(sorted(seen) == sorted(v.id for v in data.shards.videos),
          f"ShardStream over 2 ranks x 2 workers reads every video once ({len(seen)} reads)")


def check_exports(exports, work):
    import h5py
    import torch
    from dap_data.exports import load_adapter, load_classifier, load_dino_head
    torch.manual_seed(0)
    features = {f"input.{i}": torch.randn(3, 4, 32) for i in range(2)}  # the tiny ViT: 2 layers, T 4, width 32
    head_input = os.path.join(work, "video_features.pt")
    torch.save({"input.0": features["input.0"][:, 0]}, head_input)  # [3, 32]: video features
    inputs = os.path.join(work, "features.pt")
    torch.save(features, inputs)
    layer_features = [features["input.0"], features["input.1"]]
    for name, path in exports.items():
        if name == "checkpoint":
            continue
        kind = "adapter" if name in ("pab", "lock") else "classifier"
        out = os.path.join(work, f"{name}.h5")
        result = subprocess.run([support.binary("dap-features"), "--model", kind, "--weights", path, "--input",
                                 inputs, "--output", out], capture_output=True, text=True)
        if result.returncode != 0:
            check(False, f"dap-features --model {kind} {name}: exit {result.returncode} {result.stderr}")
            continue
        with torch.no_grad():
            if kind == "adapter":
                mine = {"video_feature": load_adapter(path)(layer_features)}
            else:
                classifier = load_classifier(path)
                mine = {"video_feature": classifier.video_feature(layer_features), "logits": classifier(layer_features)}
        with h5py.File(out) as f:
            for output, value in mine.items():
                expected = torch.from_numpy(f[output][:])
                error = float((value - expected).abs().max() / expected.abs().max())
                print(f"{name:7s} {output:14s} max relative difference {error:.2e}")
                check(error <= 1e-4, f"{name} {output}: within 1e-4 of dap-features ({error:.2e})")
    out = os.path.join(work, "head.h5")
    result = subprocess.run([support.binary("dap-features"), "--model", "dino-head", "--weights",
                             exports["checkpoint"], "--input", head_input, "--output", out], capture_output=True, text=True)
    check(result.returncode == 0, f"dap-features --model dino-head: exit {result.returncode} {result.stderr}")
    if result.returncode == 0:
        with torch.no_grad(), h5py.File(out) as f:
            scores = load_dino_head(exports["checkpoint"])(features["input.0"][:, 0])
            expected = torch.from_numpy(f["scores"][:])
            error = float((scores - expected).abs().max() / expected.abs().max())
        print(f"dino    scores         max relative difference {error:.2e}")
        check(scores.shape == (3, 256) and error <= 1e-4, f"DINO head scores within 1e-4 of dap-features ({error:.2e})")


def check_examples(venv_python, folder, exports):
    with open(os.path.join(support.SOURCE, "docs", "PYTHON.md")) as f:
        readme = f.read()
    for name in EXAMPLES:
        with open(os.path.join(support.SOURCE, "python", "examples", name)) as f:
            code = f.read()
        check(f"```python\n{code}```" in readme, f"docs/PYTHON.md shows python/examples/{name} verbatim")
    args = {"read_clips.py": [folder], "train_on_shards.py": [folder],
            "load_adapter.py": [exports["pab"], exports["linear"]]}
    for name in EXAMPLES:
        result = subprocess.run([venv_python, os.path.join(support.SOURCE, "python", "examples", name), *args[name]],
                                capture_output=True, text=True, timeout=300)
        print(f"$ {name}\n{result.stdout}{result.stderr[-2000:]}")
        check(result.returncode == 0, f"example {name}: exit {result.returncode}")
    check(re.search(r"epoch 2: loss", readme) is None, "docs/PYTHON.md holds code, not output")


def inside(work):
    """The checks, run by the venv's python (the installed package)."""
    import dap_data
    check(dap_data.__file__.startswith(os.path.join(work, "venv")), f"dap_data comes from the venv: {dap_data.__file__}")
    with open(os.path.join(work, "paths.json")) as f:
        paths = json.load(f)
    data = check_listing(paths["task"])
    check_refusals(paths["task"], work)
    check_views(data, paths["task"], [
        dict(num_frames=4, size=32, local_size=16, patch_size=8),
        dict(num_frames=6, size=16, local_size=8, patch_size=4, mask_per_frame=True),
        dict(num_frames=4, size=32, local_size=16, patch_size=8, jitter=False),
        dict(num_frames=4, size=24, patch_size=8, views="enhanced"),
        dict(num_frames=4, size=24, patch_size=8, views="original", augment=dict(kind="actionclip"))], work)
    from dap_data import ShardSet
    real = ShardSet(paths["real"])
    check((real.height, real.width) == (48, 64) and len(real) == 3, "the real clips' shards: 3 videos at 48x64")
    check_views(real, paths["real"], [dict(num_frames=8, size=32, local_size=16, patch_size=8),
                                      dict(num_frames=16, size=48, local_size=24, patch_size=16, views="original"),
                                      dict(num_frames=8, size=32, patch_size=16, views="enhanced",
                                           augment=dict(kind="actionclip", color_jitter=1.0, grayscale=0.5))],
                work)
    check_torch_data(paths["task"])
    check_exports(paths["exports"], work)
    return problems


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        return 1 if inside(sys.argv[2]) else 0
    work = tempfile.mkdtemp(prefix="dap_data_")
    try:
        venv = os.path.join(work, "venv")
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
        # docs/PYTHON.md's command, offline: Debian's setuptools builds it, its numpy, h5py and torch satisfy it.
        install = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--no-build-isolation", "./python"],
                                 cwd=support.SOURCE, capture_output=True, text=True)
        print(install.stdout[-1500:], install.stderr[-1500:])
        check(install.returncode == 0, f"pip install --no-build-isolation ./python: exit {install.returncode}")
        with open(os.path.join(support.SOURCE, "docs", "PYTHON.md")) as f:
            check("venv/bin/pip install --no-build-isolation ./python" in f.read(), "docs/PYTHON.md shows the install command")
        task, real = make_data(work)
        exports = make_exports(work)
        with open(os.path.join(work, "paths.json"), "w") as f:
            json.dump({"task": task, "real": real, "exports": exports}, f)
        venv_python = os.path.join(venv, "bin", "python3")
        env = dict(os.environ, PYTHONPATH=HERE)
        result = subprocess.run([venv_python, os.path.abspath(__file__), "--inside", work], env=env, cwd=work)
        check(result.returncode == 0, "the checks with the installed package")
        check_examples(venv_python, task, exports)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("dap_data: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
