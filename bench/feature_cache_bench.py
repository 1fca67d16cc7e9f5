#!/usr/bin/python3
"""The feature cache (pretrain.feature_cache) at ViT-B/16 shapes, measured in one run:
ViT-B/16 pretraining step time without and with the cache (same data, same run),
the one-off cost of building it, the break-even epoch count, and the cache size
per clip and for ARID.

Data: the 11 bundled real clips preprocessed at 224x224 with a 16-frame pool (the
paper's setting). Model: lua/base.lua (CLIP ViT-B/16, PAB width 768 over 12 layers,
6 temporal layers, DINO head with 65536 prototypes; views 8 x 224 + 8 x 96), random
initialisation, global batch 2, 1 rank x 2 threads.

No thresholds: the numbers are reported; the ratio is against the uncached run of
this same benchmark. Usage: bench/feature_cache_bench.py [--steps N] [--build DIR]
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pretrain_bench as pb  # noqa: E402

ARID_CLIPS = 3784  # every clip of ARID v1.0's split lists


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(pb.REPO, "build"))
    parser.add_argument("--steps", type=int, default=3, help="measured steps per run (1 more as warm-up)")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    work = tempfile.mkdtemp(prefix="dap-cache-bench-")
    try:
        return benchmark(args, build, work)
    except pb.RunFailed as e:
        print(f"\nFAILED: {e.what}\ncommand: {' '.join(e.command)}\n--- last lines of its output ---")
        print("\n".join(e.output.splitlines()[-40:]))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def benchmark(args, build, work):
    print(f"dap feature cache benchmark: {os.cpu_count()} CPU core(s), build {build}, "
          f"load average before start {os.getloadavg()[0]:.2f}\n")
    root = os.path.join(work, "data")
    pre = ["--config", pb.TINY, f"preprocess.output.root={root}", f"run.root={work}/runs", "run.name=preprocess",
           "preprocess.resize.height=224", "preprocess.resize.width=224", "preprocess.sampling.num_frames=16",
           "preprocess.data.name=bench224"]
    pb.run("dap-preprocess", pb.mpirun(1, os.path.join(build, "bin", "dap-preprocess"), pre))
    folder = pb.shard_folder(root)
    index = pb.json.load(open(os.path.join(folder, "index.json")))
    clips, frames = index["num_videos"], index["num_frames"]
    print(f"data: {clips} clips, {frames} stored frames at 224x224 ({frames / clips:.1f} per clip)")

    batch = 2
    common = [f"pretrain.data.shards={{\"{folder}\"}}", f"pretrain.optim.global_batch={batch}",
              "pretrain.optim.epochs=30", "pretrain.optim.freeze_last_layer_epochs=0", "pretrain.loader.workers=2"]
    plain = pb.pretrain(build, work, "without cache", 1, 2, 2, "none", pb.BASE, args.steps, 1, common)

    # The cache is built by the first run that asks for it (timed from its log), then reused.
    name = "build"
    build_args = ["--config", pb.BASE, f"run.root={work}/runs", f"run.name={name}", "pretrain.threads.intra_op=2",
                  "pretrain.threads.openblas=2", "pretrain.optim.max_steps=1", "pretrain.checkpoint.resume=false",
                  "pretrain.checkpoint.every_steps=1000000000", "pretrain.feature_cache=true", *common]
    output, _ = pb.run("dap-pretrain building the cache",
                       pb.mpirun(1, os.path.join(build, "bin", "dap-pretrain"), build_args, "none"))
    found = re.search(r"(\d+) of (\d+) shard file\(s\) built in ([\d.]+) s, ([\d.]+) MiB", output)
    if not found:
        raise pb.RunFailed("no feature cache line in the log", build_args, output)
    build_seconds, mib = float(found.group(3)), float(found.group(4))
    cached = pb.pretrain(build, work, "with cache", 1, 2, 2, "none", pb.BASE, args.steps, 1,
                         common + ["pretrain.feature_cache=true"])

    print(f"\nViT-B/16 step, 1 rank x 2 threads, global batch {batch}, {args.steps} steps after 1 warm-up:")
    pb.phase_table([plain, cached], plain)
    saved = plain["seconds"]["step"] - cached["seconds"]["step"]
    print(f"  step without / with the cache: {plain['seconds']['step']:.2f} / {cached['seconds']['step']:.2f} s "
          f"= {plain['seconds']['step'] / cached['seconds']['step']:.2f}x")
    per_clip_build = build_seconds / clips
    per_clip_saved = saved / batch
    print(f"  building the cache: {build_seconds:.1f} s for {clips} clips ({per_clip_build:.2f} s per clip: "
          f"{frames / clips:.0f} frames x 2 (original, enhanced) through the backbone)")
    if per_clip_saved > 0:
        print(f"  break-even: {per_clip_build / per_clip_saved:.2f} epochs (building costs {per_clip_build:.2f} s per "
              f"clip, each epoch saves {per_clip_saved:.2f} s per clip); the paper pretrains for tens of epochs")
    per_clip_bytes = mib * 2**20 / clips
    print(f"  cache size: {mib:.1f} MiB, {per_clip_bytes / 2**20:.2f} MiB per clip of {frames / clips:.0f} stored "
          f"frames (float32, 12 layers x 768 per frame and view); ARID ({ARID_CLIPS} clips) at the same pool: "
          f"{ARID_CLIPS * per_clip_bytes / 2**30:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
