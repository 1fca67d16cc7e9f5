#!/usr/bin/env python3
"""Errors that every rank meets the same way end a 2-rank job cleanly.

Each case runs a stage under mpirun with 2 ranks, as users run it, and checks
the documented exit code (docs/EXIT_CODES.md), one clear message, and no
MPI_Abort (whose page of noise would bury the message):
- a manifest with two files whose names differ only by extension (the same id),
- a shard folder without index.json,
- nothing to aggregate,
- a config whose Lua never returns (stopped after 5 s, naming the file).
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dap_test_support as support  # noqa: E402

EXIT_CONFIG_ERROR = 2
EXIT_BAD_INPUT = 3
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def check_clean_end(name, result, code, phrase):
    output = result.stdout + result.stderr
    check(result.returncode == code, f"{name}: exit {result.returncode}, expected {code}\n{output[-2000:]}")
    check(output.count(phrase) == 1, f"{name}: the message \"{phrase}\" appears {output.count(phrase)} times, "
                                     f"expected once\n{output[-2000:]}")
    check("MPI_ABORT" not in output and "MPI_Abort" not in output, f"{name}: the job was aborted\n{output[-2000:]}")


def main():
    work = tempfile.mkdtemp(prefix="dap_stage_errors_")
    try:
        base = ["--config", "lua/pretrain_tiny.lua", f"run.root={work}/runs", f"preprocess.output.root={work}/data"]

        # Two videos whose ids (the path without extension) collide.
        videos = os.path.join(work, "videos")
        os.makedirs(videos)
        real = os.path.join(support.ASSETS, "videos", "real")
        shutil.copy(os.path.join(real, "test.avi"), os.path.join(videos, "clip.avi"))
        shutil.copy(os.path.join(real, "part_0.mp4"), os.path.join(videos, "clip.mp4"))
        manifest = os.path.join(work, "manifest.csv")
        with open(manifest, "w") as out:
            out.write("path,label\nclip.avi,0\nclip.mp4,1\n")
        result = support.mpirun(2, "dap-preprocess", base + [f"preprocess.data.root={videos}",
                                                             f"preprocess.data.manifest={manifest}"], timeout=120)
        check_clean_end("duplicate id", result, EXIT_BAD_INPUT, "video id 'clip' appears more than once")

        # Pretraining on a folder that holds no shards.
        empty = os.path.join(work, "not_preprocessed")
        os.makedirs(empty)
        result = support.mpirun(2, "dap-pretrain", base + [f"pretrain.data.shards={{'{empty}'}}"], timeout=120)
        check_clean_end("missing shard index", result, EXIT_BAD_INPUT, "no shard index at")

        # Aggregating a run that has no results.
        result = support.mpirun(2, "dap-evaluate", base + ["run.name=empty", "evaluate.task=aggregate"], timeout=120)
        check_clean_end("nothing to aggregate", result, EXIT_BAD_INPUT, "no evaluate/*/metrics.json found")

        # A config that never returns.
        endless = os.path.join(work, "endless.lua")
        with open(endless, "w") as out:
            out.write("local n = 0\nwhile true do n = n + 1 end\nreturn {}\n")
        start = time.monotonic()
        result = support.mpirun(2, "dap-pretrain", ["--config", endless], timeout=120)
        seconds = time.monotonic() - start
        check_clean_end("endless config", result, EXIT_CONFIG_ERROR, "did not finish within 5 s")
        check(endless in result.stdout + result.stderr, "the endless config's error names the file")
        print(f"endless config stopped after {seconds:.1f} s (limit 5 s, plus mpirun start-up)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("every case ended cleanly with its documented exit code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
