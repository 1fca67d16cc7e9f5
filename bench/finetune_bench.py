#!/usr/bin/python3
"""Fine-tuning and prediction throughput, measured in one run against baselines from the
same run: how a dap-finetune step scales from 1 rank to 2 ranks (and to 1 rank with 2
threads) at the same global batch, what training the backbone costs against a frozen
one, and how dap-evaluate's prediction scales from 1 to 2 ranks.

Data: the synthetic colour task of tests/python/synthetic_task.py at 112x112 (72 videos,
encoded with ffmpeg, preprocessed by dap-preprocess). Model: the demo's size (CLIP-shaped
ViT at 112 px, patch 16, width 128, 4 blocks; PAB width 128 over 4 layers, 2 temporal
layers; linear head), random initialisation, 8 frames per clip, global batch 8.
clips/s comes from metrics.jsonl (median over the steps after the first 5).
No thresholds; exits non-zero only when a run fails.
Usage: bench/finetune_bench.py [--steps N] [--build DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))
import synthetic_task  # noqa: E402

CONFIG = "lua/finetune_tiny.lua"
MODEL = ["preprocess.resize.height=112", "preprocess.resize.width=112",
         "pretrain.backbone.clip.image_size=112", "pretrain.backbone.clip.patch_size=16",
         "pretrain.backbone.clip.width=128", "pretrain.backbone.clip.layers=4", "pretrain.backbone.clip.heads=4",
         "pretrain.backbone.clip.output_dim=64", "pretrain.adapter.width=128", "pretrain.adapter.num_layers=4",
         "pretrain.adapter.num_frames=8", "pretrain.adapter.temporal_layers=2", "pretrain.adapter.heads=4",
         "pretrain.views.num_frames=8", "pretrain.views.size=112", "pretrain.views.local_size=48",
         "pretrain.views.patch_size=16", "finetune.init_adapter=none", "finetune.optim.global_batch=8",
         "finetune.log_every_steps=1", "finetune.checkpoint.every_steps=1000"]
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def run(command):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        print(" ".join(command), "\n", done.stdout[-3000:])
        sys.exit(1)
    return time.perf_counter() - start


def stage(build, program, ranks, args):
    return run(["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", str(ranks),
                os.path.join(build, "bin", program), "--config", CONFIG, *args])


def clips_per_second(folder):
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        lines = [json.loads(line) for line in f]
    return statistics.median(line["clips_per_s"] for line in lines[5:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="dap_finetune_bench_")
    task = os.path.join(work, "task")
    synthetic_task.make_task(task, size=112)
    ENV["DAP_TINY_TASK"] = task
    common = [f"preprocess.output.root={work}/data", f"run.root={work}/runs", *MODEL]
    stage(options.build, "dap-preprocess", 2, common)

    print(f"dap-finetune, {options.steps} steps at global batch 8 (clips/s, median after 5 steps):")
    rows = []
    for name, ranks, threads, trained in [("1 rank x 1 thread", 1, 1, True), ("1 rank x 2 threads", 1, 2, True),
                                          ("2 ranks x 1 thread", 2, 1, True),
                                          ("1 rank x 1 thread, frozen backbone", 1, 1, False),
                                          ("2 ranks x 1 thread, frozen backbone", 2, 1, False)]:
        run_name = name.replace(" ", "_").replace(",", "")
        stage(options.build, "dap-finetune", ranks,
              [*common, f"run.name={run_name}", f"finetune.optim.max_steps={options.steps}",
               f"finetune.threads.intra_op={threads}",
               f"finetune.threads.openblas={threads}", f"finetune.train_backbone={str(trained).lower()}"])
        rate = clips_per_second(os.path.join(work, "runs", run_name, "finetune", "split1-seed0"))
        rows.append((name, rate))
    base = rows[0][1]
    frozen = rows[3][1]
    for name, rate in rows:
        reference = frozen if "frozen" in name else base
        print(f"  {name:40s} {rate:8.1f} clips/s   x{rate / reference:.2f} of 1 rank x 1 thread"
              f"{' (frozen)' if 'frozen' in name else ''}")
    print(f"  training the backbone costs x{frozen / base:.2f} the time of a frozen one")

    print("dap-evaluate predict over all 72 videos (wall time, including start-up):")
    stage(options.build, "dap-finetune", 2, [*common, "run.name=predict_model", "finetune.optim.epochs=1"])
    model = os.path.join(work, "runs", "predict_model", "finetune", "split1-seed0", "model.pt")
    walls = {}
    for ranks in (1, 2):
        walls[ranks] = stage(options.build, "dap-evaluate", ranks,
                             [*common, f"evaluate.model={model}", f"evaluate.data.ids={task}/manifest.csv",
                              f"evaluate.output={work}/predict{ranks}"])
        print(f"  {ranks} rank(s): {walls[ranks]:.2f} s, {72 / walls[ranks]:.1f} clips/s")
    print(f"  2 ranks: x{walls[1] / walls[2]:.2f} the speed of 1 rank")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
