#!/usr/bin/python3
"""A preprocessing job killed with SIGKILL and rerun with the same config
reuses its finished shards, never counts a partial shard, and ends with the
same data as an uninterrupted run. Also: too many failures fail the job,
with the failures still recorded in the index."""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

import dap_test_support as support


def args_for(data, manifest, out, work, extra=()):
    return ["--config", "lua/preprocess_demo.lua", f"preprocess.data.root={data}",
            f"preprocess.data.manifest={manifest}", f"preprocess.output.dir={out}", f"run.root={work}/runs",
            "preprocess.sampling.mode=fps", "preprocess.sampling.fps=30", "preprocess.sampling.max_frames=48",
            "preprocess.resize.height=96", "preprocess.resize.width=128", "preprocess.output.videos_per_shard=1",
            *extra]


def read_all(folder):
    index = json.load(open(os.path.join(folder, "index.json")))
    videos = {}
    for shard in index["shards"]:
        with h5py.File(os.path.join(folder, shard["file"]), "r") as f:
            offsets = f["video_offsets"][:]
            for v, vid in enumerate(f["video_ids"].asstr()[:]):
                assert vid not in videos, f"{vid} stored twice"
                videos[vid] = (f["frames"][offsets[v]:offsets[v + 1]], f["frames_enhanced"][offsets[v]:offsets[v + 1]])
    return index, videos


def main():
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)
            print("FAIL:", message)

    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(support.ASSETS, "videos", "real")
        names = sorted(os.listdir(data))
        manifest = os.path.join(work, "manifest.csv")
        # Each clip four times under different ids: enough work to kill mid-way.
        support.write_manifest(manifest, [(n, i % 3, f"{n}_{k}") for k in range(4) for i, n in enumerate(names)])
        expected_ids = {f"{n}_{k}" for k in range(4) for n in names}

        killed = os.path.join(work, "killed")
        command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", support.binary("dap-preprocess"),
                   *args_for(data, manifest, killed, work)]
        job = subprocess.Popen(command, cwd=support.SOURCE, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and job.poll() is None and len(glob.glob(os.path.join(killed, "*.h5"))) < 3:
            time.sleep(0.01)
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        survivors = sorted(os.path.basename(p) for p in glob.glob(os.path.join(killed, "*.h5")))
        print(f"killed with {len(survivors)} complete shard(s) on disk, temporary files:",
              [os.path.basename(p) for p in glob.glob(os.path.join(killed, "*.tmp"))])
        check(not os.path.exists(os.path.join(killed, "index.json")), "the kill came after the end: no resume tested")
        check(len(survivors) >= 3, "no complete shard before the kill")

        rerun = support.mpirun(2, "dap-preprocess", args_for(data, manifest, killed, work))
        check(rerun.returncode == 0, f"rerun exited {rerun.returncode}: {rerun.stderr[-2000:]}")
        check("resuming" in rerun.stderr, "rerun says it resumes")
        index, resumed = read_all(killed)
        reused = {s["file"] for s in index["shards"]} & set(survivors)
        check(len(reused) >= 3, f"finished shards reused: {sorted(reused)} of {survivors}")
        check(set(resumed) == expected_ids, f"resumed run holds {len(resumed)} of {len(expected_ids)} videos")
        check(not glob.glob(os.path.join(killed, "*.tmp")), "temporary files removed")

        clean = os.path.join(work, "clean")
        fresh = support.mpirun(2, "dap-preprocess", args_for(data, manifest, clean, work))
        check(fresh.returncode == 0, f"clean run exited {fresh.returncode}")
        _, reference = read_all(clean)
        same = all(np.array_equal(resumed[v][0], reference[v][0]) and np.array_equal(resumed[v][1], reference[v][1])
                   for v in reference if v in resumed)
        check(same and set(reference) == set(resumed), "resumed data equals an uninterrupted run")

        # Failure threshold: one unreadable file out of two is 50% > 10%.
        open(os.path.join(work, "broken.mp4"), "wb").write(b"\0" * 1000)
        os.symlink(os.path.join(data, "test.avi"), os.path.join(work, "good.avi"))
        small = os.path.join(work, "small.csv")
        support.write_manifest(small, [("good.avi", 0, "good"), ("broken.mp4", 0, "broken")])
        strict = os.path.join(work, "strict")
        result = support.mpirun(1, "dap-preprocess", ["--config", "lua/preprocess_demo.lua",
                                                      f"preprocess.data.root={work}", f"preprocess.data.manifest={small}",
                                                      f"preprocess.output.dir={strict}", f"run.root={work}/runs",
                                                      "preprocess.max_failure_fraction=0.1"])
        check(result.returncode != 0, "too many failures must fail the job")
        check("max_failure_fraction" in result.stderr, "the error names the setting")
        index = json.load(open(os.path.join(strict, "index.json")))
        check([f["id"] for f in index["failures"]] == ["broken"] and index["num_videos"] == 1,
              "failures recorded in the index even when the job fails")

    print("FAILED" if problems else "OK", len(problems), "problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
