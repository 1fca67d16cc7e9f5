#!/usr/bin/python3
"""Two preprocessing jobs on the same output folder (two pipelines or a sweep
that resolve to the same preprocessed data) do not damage each other: the
folder has one writer at a time (.dap-writer.lock, released when its holder
exits), so a second job waits, leaves the writer's unfinished files alone,
and then reuses its shards.
- A job that finds the folder locked says by whom, waits without touching the
  holder's temporary shard, and finishes once the lock is released.
- Two jobs started together both succeed and the folder holds every video once."""
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py

import dap_test_support as support


def command(data, manifest, out, work):
    return ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", support.binary("dap-preprocess"),
            "--config", "lua/preprocess_demo.lua", f"preprocess.data.root={data}",
            f"preprocess.data.manifest={manifest}", f"preprocess.output.dir={out}", f"run.root={work}/runs",
            "preprocess.sampling.num_frames=4", "preprocess.resize.height=32", "preprocess.resize.width=32",
            "preprocess.output.videos_per_shard=2"]


def video_ids(folder):
    ids = []
    for shard in json.load(open(os.path.join(folder, "index.json")))["shards"]:
        with h5py.File(os.path.join(folder, shard["file"]), "r") as f:
            ids += list(f["video_ids"].asstr()[:])
    return ids


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
        support.write_manifest(manifest, [(n, i % 3, f"{n}_{k}") for k in range(2) for i, n in enumerate(names)])
        expected = sorted(f"{n}_{k}" for k in range(2) for n in names)
        env = dict(os.environ, OMP_NUM_THREADS="1")

        # 1. The folder is held by "another job" (this test): the job waits and says by whom.
        held = os.path.join(work, "held")
        os.makedirs(held)
        lock = open(os.path.join(held, ".dap-writer.lock"), "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("host other-node, pid 4242, Slurm job 77")
        lock.flush()
        in_progress = os.path.join(held, "shard-r00000-abc-00000.h5.tmp")
        open(in_progress, "w").write("the other job's shard, half written")
        job = subprocess.Popen(command(data, manifest, held, work), cwd=support.SOURCE, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(8)
        check(job.poll() is None, "the second job waits while the folder is locked")
        check(os.path.exists(in_progress), "and leaves the writer's temporary shard alone")
        check(not os.path.exists(os.path.join(held, "index.json")), "and writes nothing")
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()  # the holder is gone: its unfinished file is stale now
        out, _ = job.communicate(timeout=300)
        check(job.returncode == 0, f"it finishes once the lock is released (exit {job.returncode})")
        check("is being written by host other-node, pid 4242, Slurm job 77; waiting" in out,
              "its log names the holder it waited for")
        check(not os.path.exists(in_progress), "the stale temporary file is removed after the wait")
        check(sorted(video_ids(held)) == expected, "every video stored once")
        if problems:
            print(out[-3000:])

        # 2. Two jobs at once on one folder: both succeed, nothing is lost or stored twice.
        shared = os.path.join(work, "shared")
        jobs = [subprocess.Popen(command(data, manifest, shared, work), cwd=support.SOURCE, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        outputs = [j.communicate(timeout=300)[0] for j in jobs]
        check(all(j.returncode == 0 for j in jobs), f"both concurrent jobs exit 0: {[j.returncode for j in jobs]}")
        ids = video_ids(shared)
        check(sorted(ids) == expected, f"the shared folder holds every video once ({len(ids)} of {len(expected)})")
        check(any(f"0 of {len(expected)} videos to process" in o for o in outputs),
              "the later job reuses the earlier one's shards")
        if problems:
            for o in outputs:
                print(o[-2000:])

    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
