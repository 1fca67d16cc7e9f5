#!/usr/bin/python3
"""Pretraining throughput: where a dap-pretrain step goes, how it scales from 1 to 2
ranks, and how close training comes to what the loader alone can deliver, all
measured in the same run.

1. Preprocess the 11 bundled real clips (assets/videos/real, data_manifest/demo_real.csv)
   with lua/pretrain_tiny.lua at 32x32, and again at 224x224 for the ViT-B/16 shapes.
2. Tiny config (lua/pretrain_tiny.lua): 1 rank x 1 thread, 1 rank x 2 threads (intra-op
   and OpenBLAS; also intra-op alone) and 2 ranks x 1 thread at the same global batch;
   from metrics.jsonl (first steps dropped
   as warm-up): steps/s, clips/s and the mean split of a step (data wait, backbone
   forward, adapter forward/backward, all-reduce, update + EMA); 2-rank scaling
   against both 1-rank runs.
3. ViT-B/16 shapes (lua/base.lua defaults, random initialisation: CLIP ViT-B/16 at 224,
   PAB width 768 over 12 layers with 6 temporal layers, DINO head with 65536 prototypes,
   views 3 x 8 frames at 224 + 8 frames at 96) at global batch 2: 1 rank x 2 threads
   and 2 ranks x 1 thread, a few steps each.
   Both parts also run 2 ranks with pretrain.overlap_allreduce = false (the bucket sums
   after the backward pass instead of during it) and print the two side by side.
4. bench/loader_bench.cpp (the loader alone, 1 and 2 workers) on both shard folders,
   set against the clips/s the training runs above consumed.

Ranks run under `mpirun --bind-to none` so that a rank's threads can use both cores:
Open MPI 4.x otherwise binds each rank to one core when there are at most 2 ranks,
and pretrain.threads.intra_op/openblas > 1 then buys nothing. The tiny part also shows
the default placement (rows ending in ", bound"), as jobs/local/pretrain.sh runs it.

No thresholds: the numbers are reported, ratios are against baselines from this run.
Exits non-zero only when a run fails (its log tail is printed).
Usage: bench/pretrain_bench.py [--tiny-steps N] [--vit-steps N] [--skip-vit] [--binding-check] [--build DIR]
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = "lua/pretrain_tiny.lua"
BASE = "lua/base.lua"
PHASES = [("data_wait", "data wait"), ("backbone", "backbone fwd"), ("adapter_forward_backward", "adapter f/b"),
          ("allreduce", "all-reduce"), ("update_ema", "update+EMA")]
NO_OVERLAP = "2 ranks x 1 thread, all-reduce after backward"
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


class RunFailed(Exception):
    def __init__(self, what, command, output):
        super().__init__(what)
        self.what, self.command, self.output = what, command, output


def run(what, command):
    """Runs command from the repository root; returns (stdout+stderr, wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RunFailed(f"{what} exited with {done.returncode}", command, done.stdout)
    return done.stdout, wall


def mpirun(ranks, binary, args, bind=None):
    """bind=None: Open MPI's default placement (4.x binds each rank to one core when there are
    at most 2 ranks, so extra threads of a rank share its core); bind="none": unbound."""
    binding = ["--bind-to", bind] if bind else []
    return ["mpirun", "--allow-run-as-root", "--oversubscribe", *binding, "-np", str(ranks), binary, *args]


def shard_folder(root):
    folders = [os.path.dirname(p) for p in glob.glob(os.path.join(root, "*", "index.json"))]
    if len(folders) != 1:
        raise RunFailed(f"expected one shard folder under {root}, found {folders}", [], "")
    return folders[0]


def preprocess(build, work, size, name):
    root = os.path.join(work, f"data{size}")
    args = ["--config", TINY, f"preprocess.output.root={root}", f"run.root={work}/runs", "run.name=preprocess",
            f"preprocess.resize.height={size}", f"preprocess.resize.width={size}", f"preprocess.data.name={name}"]
    _, wall = run(f"dap-preprocess at {size}x{size}", mpirun(1, os.path.join(build, "bin", "dap-preprocess"), args))
    folder = shard_folder(root)
    index = json.load(open(os.path.join(folder, "index.json")))
    return folder, index, wall


def pretrain(build, work, label, ranks, threads, blas, bind, config, steps, warmup, overrides):
    """One dap-pretrain run; returns its steady-state numbers from metrics.jsonl."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", label)
    args = ["--config", config, f"run.root={work}/runs", f"run.name={name}", f"pretrain.threads.intra_op={threads}",
            f"pretrain.threads.openblas={blas}", f"pretrain.optim.max_steps={steps + warmup}", "pretrain.log_every_steps=1",
            "pretrain.checkpoint.every_steps=1000000000", "pretrain.checkpoint.resume=false", *overrides]
    command = mpirun(ranks, os.path.join(build, "bin", "dap-pretrain"), args, bind)
    output, wall = run(f"dap-pretrain {label}", command)
    folder = os.path.join(work, "runs", name, "pretrain")
    lines = [json.loads(line) for line in open(os.path.join(folder, "metrics.jsonl"))]
    shutil.rmtree(os.path.join(work, "runs", name), ignore_errors=True)  # checkpoints of the big model are ~1 GB
    kept = [line for line in lines if line["step"] > warmup]
    if len(lines) != steps + warmup or not kept:
        raise RunFailed(f"dap-pretrain {label}: expected {steps + warmup} metrics lines, found {len(lines)}", command, output)
    seconds = {key: sum(line["seconds"][key] for line in kept) / len(kept) for key, _ in PHASES + [("step", "")]}
    seconds["other"] = seconds["step"] - sum(seconds[key] for key, _ in PHASES)
    batch = batch_of(overrides, config)
    device = re.search(r"pretraining on (\S+)", output)
    reducer = re.search(r"gradient all-reduce: (.*)", output)
    return {"label": label, "ranks": ranks, "threads": threads, "steps": len(kept), "batch": batch,
            "seconds": seconds, "steps_per_s": 1.0 / seconds["step"], "clips_per_s": batch / seconds["step"],
            "wall": wall, "device": device.group(1) if device else "?", "reducer": reducer.group(1) if reducer else "?",
            "workers": workers_of(overrides, config)}


def override_value(overrides, key):
    for text in overrides:
        if text.startswith(key + "="):
            return text.split("=", 1)[1]
    return None


def batch_of(overrides, config):
    value = override_value(overrides, "pretrain.optim.global_batch")
    if value is None:
        raise ValueError(f"the benchmark sets pretrain.optim.global_batch explicitly ({config})")
    return int(value)


def workers_of(overrides, config):
    value = override_value(overrides, "pretrain.loader.workers")
    if value is None:
        raise ValueError(f"the benchmark sets pretrain.loader.workers explicitly ({config})")
    return int(value)


def loader_bench(build, folder, workers, size, local_size, frames, batch, steps):
    command = [os.path.join(build, "bin", "loader_bench"), folder, str(workers), str(size), str(local_size),
               str(frames), str(batch), str(steps)]
    output, _ = run(f"loader_bench {size}/{local_size}/{frames} x {workers} workers", command)
    found = re.search(r"= ([0-9.]+) clips/s", output)
    if not found:
        raise RunFailed("loader_bench printed no clips/s", command, output)
    return float(found.group(1))


def phase_table(results, baseline):
    print(f"{'run':26s} | {'steps':>5s} | {'steps/s':>7s} | {'clips/s':>8s} | {'vs base':>7s} | "
          + " | ".join(f"{title:>16s}" for _, title in PHASES) + f" | {'other':>14s} | {'step ms':>9s}")
    for r in results:
        s = r["seconds"]

        def cell(key, width):
            return f"{1000 * s[key]:{width - 8}.1f} ({100 * s[key] / s['step']:4.1f}%)"

        print(f"{r['label']:26s} | {r['steps']:5d} | {r['steps_per_s']:7.3f} | {r['clips_per_s']:8.2f} | "
              f"{r['clips_per_s'] / baseline['clips_per_s']:6.2f}x | "
              + " | ".join(cell(key, 16) for key, _ in PHASES) + f" | {cell('other', 14)} | {1000 * s['step']:9.1f}")
    print(f"  ms per step (share of the step), rank 0, mean over the steps after warm-up; 'vs base' = clips/s "
          f"against {baseline['label']}; 'other' = views to device and schedule outside the timed phases")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--tiny-steps", type=int, default=40, help="measured steps per tiny run (after warm-up)")
    parser.add_argument("--warmup-steps", type=int, default=3, help="tiny steps dropped as warm-up")
    parser.add_argument("--vit-steps", type=int, default=3, help="measured steps per ViT-B/16 run (1 more as warm-up)")
    parser.add_argument("--skip-vit", action="store_true", help="leave out the ViT-B/16 runs (parts 3 and its loader)")
    parser.add_argument("--binding-check", action="store_true",
                        help="also run ViT-B/16 1 rank x 2 threads under mpirun's default core binding")
    parser.add_argument("--tiny-loader-steps", type=int, default=250, help="loader_bench batches on the 32x32 folder")
    parser.add_argument("--vit-loader-steps", type=int, default=10, help="loader_bench batches on the 224x224 folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    cores = os.cpu_count()

    work = tempfile.mkdtemp(prefix="dap-pretrain-bench-")
    try:
        return benchmark(args, build, work, cores)
    except RunFailed as e:
        print(f"\nFAILED: {e.what}\ncommand: {' '.join(e.command)}\n--- last lines of its output ---")
        print("\n".join(e.output.splitlines()[-40:]))
        return 1
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def benchmark(args, build, work, cores):
    print(f"dap pretraining benchmark: {cores} CPU core(s), build {build}, "
          f"OMP_NUM_THREADS=1, threads per rank set by pretrain.threads.intra_op; "
          f"load average before start {os.getloadavg()[0]:.2f} (anything else running skews every number)\n")

    # ------------------------------------------------------------------ 1. data
    print("== 1. preprocessing (dap-preprocess, 1 rank, lua/pretrain_tiny.lua: 8 frames per clip, SCI, gzip 1)")
    print(f"{'size':>9s} | {'videos':>6s} | {'frames':>6s} | {'MiB':>6s} | {'wall s':>6s} | folder")
    sizes = [32] + ([] if args.skip_vit else [224])
    folders = {}
    for size in sizes:
        folder, index, wall = preprocess(build, work, size, f"bench{size}")
        folders[size] = (folder, index)
        print(f"{size:4d}x{size:<4d} | {index['num_videos']:6d} | {index['num_frames']:6d} | "
              f"{index['num_bytes'] / 2**20:6.2f} | {wall:6.2f} | {os.path.basename(folder)}")
    clips = folders[32][1]["num_videos"]

    # ------------------------------------------------------------------ 2. tiny
    batch = 4
    steps = args.tiny_steps + args.warmup_steps
    epochs = -(-steps // (clips // batch)) + 1  # max_steps stops the run; schedules span these epochs
    tiny_overrides = [f"pretrain.data.shards={{\"{folders[32][0]}\"}}", f"pretrain.optim.global_batch={batch}",
                      f"pretrain.optim.epochs={epochs}", "pretrain.loader.workers=1"]
    print(f"\n== 2. tiny config ({TINY}: 2-layer ViT width 32 at 32x32, 4 frames, head 256 prototypes), "
          f"global batch {batch}, 1 loader worker per rank, {args.tiny_steps} steps after {args.warmup_steps} warm-up")
    tiny = {}
    for label, ranks, threads, blas, bind in [
            ("1 rank x 1 thread", 1, 1, 1, "none"), ("1 rank x 2 threads", 1, 2, 2, "none"),
            ("1 rank x 2 intra-op only", 1, 2, 1, "none"), ("2 ranks x 1 thread", 2, 1, 1, "none"),
            (NO_OVERLAP, 2, 1, 1, "none"),
            ("1 rank x 2 threads, bound", 1, 2, 2, None), ("2 ranks x 1 thread, bound", 2, 1, 1, None)]:
        tiny[label] = pretrain(build, work, label, ranks, threads, blas, bind, TINY, args.tiny_steps,
                               args.warmup_steps, tiny_overrides + overlap_override(label))
    first = next(iter(tiny.values()))
    print(f"device {first['device']}, gradient all-reduce {tiny['2 ranks x 1 thread']['reducer']}; "
          f"'N threads' = pretrain.threads.intra_op=N and pretrain.threads.openblas=N (libtorch's GEMMs run in "
          f"OpenBLAS), 'intra-op only' = intra_op=2, openblas=1; mpirun --bind-to none except ', bound' = "
          f"Open MPI's default placement as jobs/local/pretrain.sh runs it (one core per rank when ranks <= 2)")
    phase_table(list(tiny.values()), tiny["1 rank x 1 thread"])
    scaling("tiny", tiny)
    overlap_effect("tiny", tiny)

    # ------------------------------------------------------------------ 3. ViT-B/16
    vit = {}
    if not args.skip_vit:
        vit_batch = 2
        vit_overrides = [f"pretrain.data.shards={{\"{folders[224][0]}\"}}", f"pretrain.optim.global_batch={vit_batch}",
                         "pretrain.optim.epochs=30", "pretrain.optim.freeze_last_layer_epochs=0",
                         "pretrain.loader.workers=2"]
        print(f"\n== 3. ViT-B/16 shapes ({BASE} defaults, random init: CLIP ViT-B/16 at 224, PAB width 768 over "
              f"12 layers + 6 temporal layers, head 65536 prototypes; views 3 x 8 frames at 224 + 8 at 96), "
              f"global batch {vit_batch}, 2 loader workers per rank, last head layer trained (steady state), "
              f"{args.vit_steps} steps after 1 warm-up")
        runs = [("1 rank x 2 threads", 1, 2, "none"), ("2 ranks x 1 thread", 2, 1, "none"),
                (NO_OVERLAP, 2, 1, "none")]
        if args.binding_check:
            runs.append(("1 rank x 2 threads, bound", 1, 2, None))
        for label, ranks, threads, bind in runs:
            vit[label] = pretrain(build, work, "vit " + label, ranks, threads, threads, bind, BASE, args.vit_steps, 1,
                                  vit_overrides + overlap_override(label))
            vit[label]["label"] = label
        phase_table(list(vit.values()), vit["1 rank x 2 threads"])
        overlap_effect("ViT-B/16", vit)
        a, b = vit["2 ranks x 1 thread"], vit["1 rank x 2 threads"]
        print(f"  2 ranks x 1 thread vs 1 rank x 2 threads (same {min(2, cores)} cores): "
              f"{a['clips_per_s'] / b['clips_per_s']:.2f}x clips/s")
        if "1 rank x 2 threads, bound" in vit:
            print(f"  1 rank x 2 threads unbound vs bound to one core by mpirun: "
                  f"{b['clips_per_s'] / vit['1 rank x 2 threads, bound']['clips_per_s']:.2f}x clips/s")

    # ------------------------------------------------------------------ 4. loader
    print("\n== 4. loader maximum (bench/loader_bench: the views alone, nothing else running, 1 rank) "
          "against what training consumed")
    print(f"{'shard folder':12s} | {'views':22s} | {'workers':>7s} | {'clips/s':>9s}")
    loader = {}
    specs = [(32, 32, 16, 4, 4, args.tiny_loader_steps)]
    if not args.skip_vit:
        specs.append((224, 224, 96, 8, 4, args.vit_loader_steps))
    for folder_size, size, local_size, frames, lbatch, lsteps in specs:
        for workers in (1, 2):
            rate = loader_bench(build, folders[folder_size][0], workers, size, local_size, frames, lbatch, lsteps)
            loader[(folder_size, workers)] = rate
            print(f"{folder_size:4d}x{folder_size:<7d} | {f'{frames} x {size} + {frames} x {local_size}':22s} | "
                  f"{workers:7d} | {rate:9.2f}")
    print()
    print(f"{'training run':36s} | {'loader workers':>14s} | {'trained clips/s':>15s} | {'data wait':>9s} | "
          f"{'loader 1w / train':>17s} | {'loader 2w / train':>17s}")
    for prefix, size, results in [("tiny", 32, tiny), ("ViT-B/16", 224, vit)]:
        for label, r in results.items():
            rate = r["clips_per_s"]
            share = r["seconds"]["data_wait"] / r["seconds"]["step"]
            workers = f"{r['ranks']} x {r['workers']}"
            print(f"{prefix + ' ' + label:36s} | {workers:>14s} | {rate:15.2f} | "
                  f"{100 * share:8.1f}% | {loader[(size, 1)] / rate:16.1f}x | {loader[(size, 2)] / rate:16.1f}x")
    print("  ratio > 1: the loader alone could deliver that many times what the step consumed (the loader shares "
          "the cores with training, so its in-run rate is lower)")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    return 0


def overlap_override(label):
    return ["pretrain.overlap_allreduce=false"] if label == NO_OVERLAP else []


def overlap_effect(name, results):
    """The all-reduce overlapped with the backward pass (the default) against after it, 2 ranks."""
    on, off = results["2 ranks x 1 thread"], results[NO_OVERLAP]
    print(f"  {name} all-reduce overlapped with backward vs after it (2 ranks x 1 thread): step "
          f"{1e3 * on['seconds']['step']:.1f} vs {1e3 * off['seconds']['step']:.1f} ms "
          f"({off['seconds']['step'] / on['seconds']['step']:.3f}x), adapter f/b + all-reduce "
          f"{1e3 * (on['seconds']['adapter_forward_backward'] + on['seconds']['allreduce']):.1f} vs "
          f"{1e3 * (off['seconds']['adapter_forward_backward'] + off['seconds']['allreduce']):.1f} ms, "
          f"all-reduce phase (what is left after backward) {1e3 * on['seconds']['allreduce']:.1f} vs "
          f"{1e3 * off['seconds']['allreduce']:.1f} ms")


def scaling(name, results):
    one, two_threads, two_ranks = (results[k]["clips_per_s"] for k in
                                   ("1 rank x 1 thread", "1 rank x 2 threads", "2 ranks x 1 thread"))
    print(f"  {name} scaling: 2 ranks x 1 thread vs 1 rank x 1 thread: efficiency {two_ranks / (2 * one):.2f} "
          f"(= {two_ranks:.1f} / (2 x {one:.1f}))")
    print(f"  {name} scaling: 2 ranks x 1 thread vs 1 rank x 2 threads (same cores): {two_ranks / two_threads:.2f}x "
          f"clips/s, efficiency {two_ranks / (2 * two_threads):.2f} by the same formula")
    print(f"  {name} scaling: 1 rank x 2 threads vs 1 rank x 1 thread: efficiency {two_threads / (2 * one):.2f}")


if __name__ == "__main__":
    sys.exit(main())
