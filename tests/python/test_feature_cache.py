#!/usr/bin/python3
"""pretrain.feature_cache: the frozen backbone's features of the o and e views
computed once, beside the shards (docs/FEATURE_CACHE.md).
- Tiny config on 2 ranks: the cache is built over both ranks (one file per shard),
  and the losses of 6 steps equal the uncached run's within 1e-5 relative (fp32:
  only the batching of the backbone's matrix products differs);
- a second run reuses every file; a deleted file and a leftover temporary file
  are redone alone; other backbone weights (another seed) get another key;
- each file holds a row per stored frame of its shard, of every layer's width;
- refused with a clear config error for R(2+1)D and with train_encoder;
- pretrain.feature_cache_dtype = "float16": another key, datasets of IEEE half
  holding the float32 cache's values rounded, half the bytes; a float32 file
  in its place is rebuilt; 6 steps' losses within FP16_TOLERANCE of the
  float32 cache's (the features are rounded to 2^-11 relative);
- full-width ViT-B/16 (lua/base.lua sizes, random weights, 224 px, 2 clips of 8
  frames from dap-synth-shards): one step's loss with and without the cache
  within 1e-5 relative, and with the float16 cache within FP16_TOLERANCE; its
  files about half the float32 ones' size.

The loader's workers read the cached rows (Batch::features_*):
the losses above are of that path."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py

import dap_test_support as support

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = "lua/finetune_tiny.lua"
FP16_TOLERANCE = 1e-3  # relative loss difference, float16 vs float32 cache
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def pretrain(work, name, ranks, *extra, config=TINY, expect=0):
    args = ["--config", config, f"preprocess.output.root={work}/data", f"run.root={work}/runs", f"run.name={name}",
            "pretrain.checkpoint.resume=false", *extra]
    result = support.mpirun(ranks, "dap-pretrain", args, timeout=600)
    if result.returncode != expect:
        print(result.stdout[-3000:], result.stderr[-3000:])
    check(result.returncode == expect, f"dap-pretrain {name}: exit {result.returncode}, expected {expect}")
    return result.stdout + result.stderr


def losses(work, name):
    path = glob.glob(os.path.join(work, "runs", name, "pretrain", "**", "metrics.jsonl"), recursive=True)[0]
    with open(path) as f:
        return [json.loads(line)["loss"] for line in f]


def built(log):
    found = re.search(r"feature cache (\w+) .*?: (\d+) of (\d+) shard file\(s\) built", log)
    return (found.group(1), int(found.group(2)), int(found.group(3))) if found else (None, -1, -1)


def close(a, b, tolerance):
    worst = max(abs(x - y) / abs(y) for x, y in zip(a, b))
    return len(a) == len(b) and worst <= tolerance, worst


def tiny_checks(work):
    sys.path.insert(0, HERE)
    import synthetic_task
    task = os.path.join(work, "task")
    synthetic_task.make_task(task, train_per_class=6, test_per_class=3)
    os.environ["DAP_TINY_TASK"] = task
    result = support.mpirun(1, "dap-preprocess", ["--config", TINY, f"preprocess.output.root={work}/data"], timeout=300)
    check(result.returncode == 0, f"dap-preprocess: exit {result.returncode}")
    steps = ["pretrain.optim.max_steps=6", "pretrain.optim.global_batch=4", "pretrain.optim.epochs=2"]
    pretrain(work, "plain", 2, *steps)
    log = pretrain(work, "cached", 2, *steps, "pretrain.feature_cache=true")
    key, count, shards = built(log)
    folder = glob.glob(os.path.join(work, "data", "*", "index.json"))[0].rsplit("/", 1)[0]
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    files = sorted(glob.glob(os.path.join(folder, "features", str(key), "*.h5")))
    check(count == shards == len(index["shards"]) == len(files) > 1,
          f"2 ranks built one cache file per shard ({count} of {shards}, {len(files)} files)")
    same, worst = close(losses(work, "cached"), losses(work, "plain"), 1e-5)
    print(f"tiny: 6 steps on 2 ranks, largest relative loss difference cached vs not {worst:.2e}")
    check(same, f"cached losses equal the uncached within 1e-5 (worst {worst:.2e})")

    check(built(pretrain(work, "again", 1, *steps, "pretrain.feature_cache=true"))[1] == 0, "a second run reuses the cache")
    os.remove(files[1])
    with open(files[2] + ".tmp-r0", "w") as f:
        f.write("a killed build's leftover")
    _, redone, _ = built(pretrain(work, "resumed", 2, *steps, "pretrain.feature_cache=true"))
    check(redone == 1 and os.path.exists(files[1]), f"only the missing file is rebuilt ({redone})")
    other, _, _ = built(pretrain(work, "seed1", 1, *steps, "pretrain.feature_cache=true", "pretrain.seed=1"))
    check(other is not None and other != key, "other backbone weights (seed 1, random init) get another key")

    with h5py.File(files[0]) as cache, h5py.File(os.path.join(folder, index["shards"][0]["file"])) as shard:
        widths = json.loads(cache.attrs["layer_widths"])
        rows = [cache[kind].shape for kind in ("original", "enhanced")]
        check(rows == [(shard["frames"].shape[0], sum(widths))] * 2 and widths == [32, 32],
              f"a row per stored frame of every layer's width: {rows}, layer widths {widths}")
        check(cache.attrs["shard_sha256"] == index["shards"][0]["sha256"], "the file records its shard's sha256")

    half_checks(work, steps, folder, index, key, files)

    for name, override in [("r2plus1d", "pretrain.backbone.kind=r2plus1d"),
                           ("train_encoder", "pretrain.backbone.train_encoder=true")]:
        log = pretrain(work, name, 1, "pretrain.feature_cache=true", override, expect=2)
        check("pretrain.feature_cache" in log, f"{name}: the config error names pretrain.feature_cache")


def half_checks(work, steps, folder, index, key32, files32):
    log = pretrain(work, "cached16", 2, *steps, "pretrain.feature_cache=true", "pretrain.feature_cache_dtype=float16")
    key, count, shards = built(log)
    check(key is not None and key != key32 and count == shards, f"float16: another key, all built ({key}, {count})")
    files = sorted(glob.glob(os.path.join(folder, "features", str(key), "*.h5")))
    with h5py.File(files32[0]) as full, h5py.File(files[0]) as half:
        check(half.attrs["dtype"] == "float16" and full.attrs["dtype"] == "float32", "each file records its dtype")
        for kind in ("original", "enhanced"):
            check(half[kind].dtype == "float16" and (half[kind][()] == full[kind][()].astype("float16")).all(),
                  f"float16 {kind}: the float32 cache's values rounded")
            check(2 * half[kind].id.get_storage_size() == full[kind].id.get_storage_size(),
                  f"float16 {kind}: half the bytes")
    same, worst = close(losses(work, "cached16"), losses(work, "cached"), FP16_TOLERANCE)
    print(f"tiny: 6 steps on 2 ranks, largest relative loss difference float16 vs float32 cache {worst:.2e}")
    check(same, f"float16 cache losses within {FP16_TOLERANCE} of the float32 cache's (worst {worst:.2e})")
    # A float32 file where a float16 one belongs is never read as float16: rebuilt.
    shutil.copyfile(files32[0], files[0])
    _, redone, _ = built(pretrain(work, "cached16b", 1, *steps, "pretrain.feature_cache=true",
                                  "pretrain.feature_cache_dtype=float16"))
    with h5py.File(files[0]) as half:
        check(redone == 1 and half["original"].dtype == "float16",
              f"a float32 file in a float16 cache is rebuilt ({redone})")


def cache_bytes(folder, log):
    return sum(os.path.getsize(f) for f in glob.glob(os.path.join(folder, "features", str(built(log)[0]), "*")))


def vit_checks(work):
    shards = os.path.join(work, "vit_shards")
    result = subprocess.run([support.binary("dap-synth-shards"), "--out", shards, "--videos", "2", "--frames", "8",
                             "--size", "224", "--per-shard", "1"], capture_output=True, text=True)
    check(result.returncode == 0, f"dap-synth-shards: exit {result.returncode} {result.stderr}")
    common = [f"pretrain.data.shards={{\"{shards}\"}}", "pretrain.optim.global_batch=2", "pretrain.optim.max_steps=1",
              "pretrain.threads.intra_op=2", "pretrain.threads.openblas=2", "pretrain.checkpoint.every_steps=1000"]
    pretrain(work, "vit_plain", 1, *common, config="lua/base.lua")
    log = pretrain(work, "vit_cached", 1, *common, "pretrain.feature_cache=true", config="lua/base.lua")
    print([line for line in log.splitlines() if "feature cache" in line])
    same, worst = close(losses(work, "vit_cached"), losses(work, "vit_plain"), 1e-5)
    print(f"ViT-B/16: one step, loss {losses(work, 'vit_plain')} vs {losses(work, 'vit_cached')} cached, "
          f"relative difference {worst:.2e}")
    check(same, f"ViT-B/16 cached loss equals the uncached within 1e-5 ({worst:.2e})")
    log16 = pretrain(work, "vit_cached16", 1, *common, "pretrain.feature_cache=true",
                     "pretrain.feature_cache_dtype=float16", config="lua/base.lua")
    same, worst = close(losses(work, "vit_cached16"), losses(work, "vit_cached"), FP16_TOLERANCE)
    size16, size32 = cache_bytes(shards, log16), cache_bytes(shards, log)
    ratio = size16 / max(size32, 1)
    print(f"ViT-B/16: float16 cache loss {losses(work, 'vit_cached16')}, relative difference to float32 {worst:.2e}; "
          f"files {size16} vs {size32} bytes ({ratio:.3f})")
    check(same, f"ViT-B/16 float16 cache loss within {FP16_TOLERANCE} of the float32 cache's ({worst:.2e})")
    check(0.45 < ratio < 0.55, f"ViT-B/16 float16 cache files about half the size ({ratio:.3f})")


def main():
    work = tempfile.mkdtemp(prefix="dap_cache_")
    try:
        tiny_checks(work)
        vit_checks(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("feature cache: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
