#!/usr/bin/python3
"""Preprocessing throughput against FFmpeg, measured in the same run, and where the time goes.

Over the real clips (repeated to make the run long enough), 8 frames per video at 224x224, SCI,
gzip 1, each measurement taken --runs times, interleaved, and the median reported:

- FFmpeg baselines, serial: decode-all (`ffmpeg -threads 1 -i X -f null -`), decode of the
  reference frames only (`-skip_frame noref`, the floor for selective decoding) and demux only
  (`-c copy`); with 2 ranks, decode-all with 2 ffmpeg processes in parallel.
- dap-preprocess on 1 and 2 ranks with preprocess.decode = "needed" and "all", and optionally
  another binary (--before, e.g. a build of older code, run without the decode key).
- dap's time per phase (DAP_PHASE_TIMES=1): demux, decode, colour conversion + resize, SCI,
  HDF5 write; compression is the write time of gzip 1 minus that of an uncompressed run.
- With --compression-table: bytes per stored frame and time for each compression setting.

Usage: bench/preprocess_bench.py [--repeat N] [--runs N] [--build DIR] [--before BINARY]
"""
import argparse
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHASES = ["demux", "decode", "convert", "enhance", "write"]


def ffmpeg_serial(paths, parallel, extra_in=(), extra_out=()):
    def one(path):
        subprocess.run(["ffmpeg", "-v", "error", "-threads", "1", *extra_in, "-i", path, *extra_out, "-f", "null",
                        "-"], check=True)
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def frame_count(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", path], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().split(",")[0])


def config_without_decode_key(work):
    """lua/preprocess_demo.lua and base.lua without preprocess.decode, for a binary older than the key."""
    folder = os.path.join(work, "lua_before")
    os.makedirs(folder, exist_ok=True)
    for name in ["base.lua", "preprocess_demo.lua"]:
        lines = open(os.path.join(REPO, "lua", name)).read().splitlines(keepends=True)
        open(os.path.join(folder, name), "w").writelines(l for l in lines if not re.match(r'\s*decode = "', l))
    return os.path.join(folder, "preprocess_demo.lua")


def preprocess(binary, ranks, manifest, root, out, work, extra, config="lua/preprocess_demo.lua"):
    """One dap-preprocess run: wall seconds (incl. mpirun start-up), in-run seconds, index, phase times."""
    subprocess.run(["rm", "-rf", out, os.path.join(work, "runs")], check=True)
    command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks), binary,
               "--config", config,
               f"preprocess.data.root={root}", f"preprocess.data.manifest={manifest}", f"preprocess.output.dir={out}",
               f"run.root={work}/runs", *extra]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", DAP_PHASE_TIMES="1")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    summary = json.load(open(os.path.join(work, "runs", "preprocess_demo", "preprocess", "summary.json")))
    phases = {}
    for line in (done.stdout + done.stderr).splitlines():
        match = re.search(r"phase times \(s, this rank\): (\{.*\})", line)
        if match:  # summed over ranks
            for key, value in json.loads(match.group(1)).items():
                phases[key] = phases.get(key, 0) + value
    return wall, summary["seconds"], json.load(open(os.path.join(out, "index.json"))), phases


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="copies of each clip in the manifest")
    parser.add_argument("--runs", type=int, default=3, help="runs of every measurement (medians reported)")
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--assets", default=os.path.join(REPO, "assets"))
    parser.add_argument("--before", help="another dap-preprocess binary to time (run without preprocess.decode)")
    parser.add_argument("--compression-table", action="store_true")
    args = parser.parse_args()

    binary = os.path.join(args.build, "bin", "dap-preprocess")
    root = os.path.join(args.assets, "videos", "real")
    names = sorted(os.listdir(root))
    counts = {n: frame_count(os.path.join(root, n)) for n in names}
    paths = [os.path.join(root, n) for _ in range(args.repeat) for n in names]
    videos = len(paths)
    source_frames = args.repeat * sum(counts.values())
    settings = ["preprocess.sampling.num_frames=8", "preprocess.resize.height=224", "preprocess.resize.width=224"]
    print(f"{videos} videos ({len(names)} real clips x {args.repeat}), {source_frames} source frames; "
          f"dap: {' '.join(settings)}, SCI easy.pt, gzip 1; medians of {args.runs} interleaved runs\n")

    # name -> (kind, ranks, extra settings or ffmpeg options)
    cases = {
        "ffmpeg decode-all": ("ffmpeg", 1, ((), ())),
        "ffmpeg skip noref": ("ffmpeg", 1, (("-skip_frame", "noref"), ())),
        "ffmpeg demux only": ("ffmpeg", 1, ((), ("-map", "0:v:0", "-c", "copy"))),
        "dap needed": ("dap", 1, ["preprocess.decode=needed"]),
        "dap all": ("dap", 1, ["preprocess.decode=all"]),
        "dap needed, no gzip": ("dap", 1, ["preprocess.decode=needed", "preprocess.output.compression=none"]),
        "dap all, no gzip": ("dap", 1, ["preprocess.decode=all", "preprocess.output.compression=none"]),
        "ffmpeg decode-all x2": ("ffmpeg", 2, ((), ())),
        "dap needed 2 ranks": ("dap", 2, ["preprocess.decode=needed"]),
        "dap all 2 ranks": ("dap", 2, ["preprocess.decode=all"]),
    }
    if args.before:
        cases["dap before"] = ("before", 1, [])
        cases["dap before 2 ranks"] = ("before", 2, [])
    results = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as work:
        manifest = os.path.join(work, "manifest.csv")
        with open(manifest, "w") as f:
            f.write("path,label,id\n")
            for k in range(args.repeat):
                for n in names:
                    f.write(f"{n},-1,{n}_{k}\n")
        out = os.path.join(work, "out")
        for _ in range(args.runs):
            for name, (kind, ranks, extra) in cases.items():
                if kind == "ffmpeg":
                    results[name].append({"wall": ffmpeg_serial(paths, ranks, *extra)})
                else:
                    before = kind == "before"
                    wall, seconds, index, phases = preprocess(
                        args.before if before else binary, ranks, manifest, root, out, work, settings + extra,
                        config_without_decode_key(work) if before else "lua/preprocess_demo.lua")
                    results[name].append({"wall": wall, "seconds": seconds, "frames": index["num_frames"],
                                          **{p: phases.get(p, 0.0) for p in PHASES},
                                          "decoded": phases.get("decoded_frames", 0)})

        print("case                  ranks |  wall s | in-run s | videos/s | source frames/s | ffmpeg decode-all / case")
        for name, (kind, ranks, _) in cases.items():
            wall = median_of(results[name], "wall")
            baseline = median_of(results["ffmpeg decode-all" if ranks == 1 else "ffmpeg decode-all x2"], "wall")
            in_run = f"{median_of(results[name], 'seconds'):8.2f}" if kind != "ffmpeg" else "       -"
            print(f"{name:22s} {ranks:4d} | {wall:7.2f} | {in_run} | {videos / wall:8.2f} | "
                  f"{source_frames / wall:15.1f} | {baseline / wall:5.2f}x")

        print("\ndap phase times, 1 rank (medians; ms per stored frame | ms per source frame; "
              "'decoded' = frames out of the decoder)")
        for name in ["dap needed", "dap all"] + (["dap before"] if args.before else []):
            runs = results[name]
            if not any(r[p] for r in runs for p in PHASES):
                print(f"{name:12s}: no phase times (binary without DAP_PHASE_TIMES)")
                continue
            stored = runs[0]["frames"]
            nogzip = results.get(name + ", no gzip")
            cells = []
            for p in PHASES:
                t = median_of(runs, p)
                if p == "write" and nogzip:
                    raw = median_of(nogzip, "write")
                    cells.append(f"compression {1000 * (t - raw) / stored:6.2f} | {1000 * (t - raw) / source_frames:5.3f}")
                    t = raw
                    p = "hdf5 write"
                cells.append(f"{p} {1000 * t / stored:6.2f} | {1000 * t / source_frames:5.3f}")
            phase_sum = sum(median_of(runs, p) for p in PHASES)
            other = median_of(runs, "seconds") - phase_sum
            startup = median_of(runs, "wall") - median_of(runs, "seconds")
            print(f"{name:12s}: " + "; ".join(cells))
            print(f"{'':12s}  decoded {median_of(runs, 'decoded'):.0f} of {source_frames} source frames; "
                  f"other in-run {other:.2f} s; start-up (mpirun, libtorch, SCI load) {startup:.2f} s")

        if args.compression_table:
            print("\ncompression (1 rank) | bytes per stored frame (original + enhanced) | ratio to none | wall s")
            base = None
            for label, extra in [("none", ["preprocess.output.compression=none"]),
                                 ("gzip 1", ["preprocess.output.compression_level=1"]),
                                 ("gzip 1 + shuffle", ["preprocess.output.compression_level=1",
                                                       "preprocess.output.shuffle=true"]),
                                 ("gzip 4", ["preprocess.output.compression_level=4"]),
                                 ("gzip 9", ["preprocess.output.compression_level=9"])]:
                wall, _, index, _ = preprocess(binary, 1, manifest, root, out, work, settings + extra)
                per_frame = index["num_bytes"] / index["num_frames"]
                base = base or per_frame
                print(f"{label:20s} | {per_frame:12.0f} | {per_frame / base:5.3f} | {wall:6.2f}")


if __name__ == "__main__":
    main()
