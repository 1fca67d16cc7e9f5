#!/usr/bin/python3
"""Preprocessing throughput against FFmpeg decode-only, measured in the same run.

For 1 and 2 ranks: videos/s and frames/s of dap-preprocess over the real clips
(repeated to make the run long enough), next to `ffmpeg -threads 1 -i X -f null -`
over the same videos with as many ffmpeg processes in parallel as ranks. Then
bytes per stored frame (original + enhanced) and time for each compression
setting. Usage: bench/preprocess_bench.py [--repeat N] [--build DIR]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def decode_only(paths, parallel):
    def one(path):
        subprocess.run(["ffmpeg", "-v", "error", "-threads", "1", "-i", path, "-f", "null", "-"], check=True)
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def frame_count(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", path], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().split(",")[0])


def preprocess(build, ranks, manifest, root, out, work, extra):
    command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks),
               os.path.join(build, "bin", "dap-preprocess"), "--config", "lua/preprocess_demo.lua",
               f"preprocess.data.root={root}", f"preprocess.data.manifest={manifest}", f"preprocess.output.dir={out}",
               f"run.root={work}/runs", *extra]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    return wall, json.load(open(os.path.join(out, "index.json")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--assets", default=os.path.join(REPO, "assets"))
    args = parser.parse_args()

    root = os.path.join(args.assets, "videos", "real")
    names = sorted(os.listdir(root))
    counts = {n: frame_count(os.path.join(root, n)) for n in names}
    paths = [os.path.join(root, n) for _ in range(args.repeat) for n in names]
    videos = len(paths)
    decoded_frames = args.repeat * sum(counts.values())
    print(f"{videos} videos ({len(names)} real clips x {args.repeat}), {decoded_frames} decoded frames")
    settings = ["preprocess.sampling.num_frames=8", "preprocess.resize.height=224", "preprocess.resize.width=224"]
    print(f"dap settings: {' '.join(settings)}, SCI easy.pt, gzip level 1\n")

    with tempfile.TemporaryDirectory() as work:
        manifest = os.path.join(work, "manifest.csv")
        with open(manifest, "w") as f:
            f.write("path,label,id\n")
            for k in range(args.repeat):
                for n in names:
                    f.write(f"{n},-1,{n}_{k}\n")

        print("ranks | decode-only videos/s frames/s | dap videos/s decoded-frames/s stored-frames/s | dap/decode "
              "| dap in-run rate")
        results = {}
        for ranks in (1, 2):
            t_decode = decode_only(paths, ranks)
            wall, index = preprocess(args.build, ranks, manifest, root, os.path.join(work, f"r{ranks}"), work, settings)
            summary = json.load(open(os.path.join(work, "runs", "preprocess_demo", "preprocess", "summary.json")))
            results[ranks] = (t_decode, wall)
            print(f"{ranks:5d} | {videos / t_decode:8.2f} {decoded_frames / t_decode:10.1f}         | "
                  f"{videos / wall:8.2f} {decoded_frames / wall:10.1f} {index['num_frames'] / wall:10.1f}          | "
                  f"{t_decode / wall:5.2f}x     | {videos / summary['seconds']:.2f} videos/s without mpirun start-up")
        print(f"\nscaling 1 -> 2 ranks: decode-only {results[1][0] / results[2][0]:.2f}x, "
              f"dap {results[1][1] / results[2][1]:.2f}x (wall clock incl. mpirun start-up)")

        print("\ncompression (1 rank) | bytes per stored frame (original + enhanced) | ratio to none | wall s")
        base = None
        for label, extra in [("none", ["preprocess.output.compression=none"]),
                             ("gzip 1", ["preprocess.output.compression_level=1"]),
                             ("gzip 1 + shuffle", ["preprocess.output.compression_level=1", "preprocess.output.shuffle=true"]),
                             ("gzip 4", ["preprocess.output.compression_level=4"]),
                             ("gzip 9", ["preprocess.output.compression_level=9"])]:
            out = os.path.join(work, "c-" + label.replace(" ", "_").replace("+", ""))
            wall, index = preprocess(args.build, 1, manifest, root, out, work, settings + extra)
            per_frame = index["num_bytes"] / index["num_frames"]
            base = base or per_frame
            print(f"{label:20s} | {per_frame:12.0f} | {per_frame / base:5.3f} | {wall:6.2f}")


if __name__ == "__main__":
    main()
