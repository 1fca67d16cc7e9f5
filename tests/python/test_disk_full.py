#!/usr/bin/python3
"""A disk that fills up, on small tmpfs file systems this test mounts (root only; skipped
with exit 77 where mounting is not allowed), 2 ranks on the tiny pretraining config:
- dap-preprocess (uncompressed shards, so the estimate is made before any is written)
  warns that the shards will not fit (estimate and free space in one line), then ends
  with exit 74 on every rank: one line naming the shard, the errno text
  and what to do, no HDF5 error stack, no MPI_Abort; no temporary file is left, and given
  room the rerun reuses the complete shards and finishes;
- dap-pretrain building its feature cache beside those shards: exit 74, one line;
- dap-pretrain writing a checkpoint: exit 74, one line naming the checkpoint, no
  `terminate` and no stack trace; the previous checkpoint stays intact, and given room the
  rerun resumes and ends with exactly the weights of an uninterrupted run;
- dap-evaluate's aggregate task (rank 0 alone) writing its tables: exit 74, one line."""
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile


import dap_test_support as support

CONFIG = "lua/pretrain_tiny.lua"
# Uncompressed: their size is known before any is written (compressed, it is measured on the first).
SHARDS = 'preprocess.output.compression="none"'
EXIT_OUT_OF_SPACE = 74
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def mount_tmpfs(folder, size):
    """Mounts a tmpfs of `size` (bytes) on `folder`; returns why not, or None."""
    os.makedirs(folder, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder],
                            capture_output=True, text=True)
    return None if result.returncode == 0 else (result.stderr.strip() or f"mount exited {result.returncode}")


def resize_tmpfs(folder, size):
    subprocess.run(["mount", "-o", f"remount,size={size}", folder], check=True)


def used_bytes(folder):
    info = os.statvfs(folder)
    return (info.f_blocks - info.f_bfree) * info.f_frsize


def check_clean_out_of_space(name, code, output, folder):
    """Exit 74, the one line from rank 0 naming a file in `folder`, and nothing noisy."""
    lines = [line for line in output.splitlines() if "out of disk space: cannot write" in line]
    check(code == EXIT_OUT_OF_SPACE, f"{name}: exit {code}, expected {EXIT_OUT_OF_SPACE}\n{output[-3000:]}")
    check(len(lines) == 1, f"{name}: {len(lines)} 'out of disk space' lines, expected one\n{output[-3000:]}")
    if lines:
        print(f"{name}: {lines[0].split('] ', 2)[-1]}")
        check(folder in lines[0] and "No space left on device" in lines[0] and "run the same command again" in lines[0],
              f"{name}: the line does not name the file, the errno text and what to do: {lines[0]}")
    for noise in ("MPI_ABORT", "HDF5 call failed", "terminate called", "Exception raised from", "H5Dwrite"):
        check(noise not in output, f"{name}: '{noise}' in the output\n{output[-3000:]}")
    left = [p for p in glob.glob(os.path.join(folder, "**", "*.tmp*"), recursive=True)]
    check(not left, f"{name}: temporary files left: {left}")
    return lines[0] if lines else ""


def final_state(runs, run_name):
    return support.newest_checkpoint_state(os.path.join(runs, run_name, "pretrain", "checkpoints"))[1]


same_state = support.state_difference


def check_preprocess(work, data):
    """Shards on a tmpfs with room for about half of them."""
    prep = ["--config", CONFIG, f"preprocess.output.root={data}", SHARDS, f"run.root={work}/runs"]
    result = support.mpirun(2, "dap-preprocess", prep, timeout=300)
    output = result.stdout + result.stderr
    check_clean_out_of_space("preprocess", result.returncode, output, data)
    estimate = [line for line in output.splitlines() if "disk space: the shards of" in line]
    check(len(estimate) == 1 and "[rank 0/2] warning: disk space:" in estimate[0] and "free" in estimate[0],
          f"preprocess: no single warning that the shards will not fit:\n{output[-3000:]}")
    check(output.find("disk space: the shards of") < output.find("out of disk space"),
          "preprocess: the estimate came after the failure")
    if estimate:
        print("preprocess:", estimate[0].split("] ", 2)[-1])

    resize_tmpfs(data, 32 << 20)  # room: the rerun reuses what was finished
    result = support.mpirun(2, "dap-preprocess", prep, timeout=300)
    output = result.stdout + result.stderr
    check(result.returncode == 0, f"preprocess with room failed ({result.returncode}):\n{output[-3000:]}")
    check("resuming:" in output, f"the rerun did not reuse the complete shards:\n{output[-2000:]}")
    check("disk space: the shards of" in output, f"the rerun does not report the estimate:\n{output[-2000:]}")


def check_feature_cache(work, data):
    """The feature cache goes beside the shards: leave no room for it."""
    resize_tmpfs(data, used_bytes(data) + (16 << 10))
    args = ["--config", CONFIG, f"preprocess.output.root={data}", SHARDS, f"run.root={work}/runs", "run.name=cache",
            "pretrain.feature_cache=true", "pretrain.threads.intra_op=1"]
    result = support.mpirun(2, "dap-pretrain", args, timeout=300)
    line = check_clean_out_of_space("feature cache", result.returncode, result.stdout + result.stderr, data)
    check("features" in line, f"feature cache: the line does not name a cache file: {line}")
    resize_tmpfs(data, 32 << 20)


def check_checkpoint(work, data, runs):
    """Room for two checkpoints and a half: the third one does not fit (keep = 2)."""
    args = lambda root, name: ["--config", CONFIG, f"preprocess.output.root={data}", SHARDS, f"run.root={root}",
                               f"run.name={name}", "pretrain.threads.intra_op=1"]
    reference = support.mpirun(2, "dap-pretrain", args(f"{work}/runs", "reference"), timeout=300)
    check(reference.returncode == 0, f"the uninterrupted run failed:\n{reference.stdout[-3000:]}")
    if reference.returncode != 0:
        return
    folder = os.path.join(work, "runs", "reference", "pretrain")
    checkpoint = max(os.path.getsize(p) for p in glob.glob(os.path.join(folder, "checkpoints", "step_*.pt")))
    others = sum(os.path.getsize(os.path.join(folder, name)) for name in ("config.lua", "metrics.jsonl"))
    error = mount_tmpfs(runs, others + int(2.5 * checkpoint) + (32 << 10))
    check(error is None, f"mounting the second tmpfs failed: {error}")
    if error:
        return
    try:
        result = support.mpirun(2, "dap-pretrain", args(runs, "full"), timeout=300)
        line = check_clean_out_of_space("checkpoint", result.returncode, result.stdout + result.stderr, runs)
        check("checkpoints/step_000000006.pt:" in line, f"checkpoint: the line does not name the third one: {line}")
        kept = sorted(glob.glob(os.path.join(runs, "full", "pretrain", "checkpoints", "step_*.pt")))
        check([os.path.basename(p) for p in kept] == ["step_000000002.pt", "step_000000004.pt"],
              f"the previous checkpoints are not both kept: {kept}")
        for path in kept:
            with open(path, "rb") as f, open(path + ".sha256") as recorded:
                check(hashlib.sha256(f.read()).hexdigest() == recorded.read().strip(), f"{path} is not intact")
        resize_tmpfs(runs, 32 << 20)
        rerun = support.mpirun(2, "dap-pretrain", args(runs, "full"), timeout=300)
        output = rerun.stdout + rerun.stderr
        check(rerun.returncode == 0, f"the rerun with room failed ({rerun.returncode}):\n{output[-3000:]}")
        check("resuming from" in output, "the rerun did not resume")
        if rerun.returncode == 0:
            difference = same_state(final_state(f"{work}/runs", "reference"), final_state(runs, "full"))
            check(difference is None, f"the resumed run differs from the uninterrupted one: {difference}")
    finally:
        subprocess.run(["umount", runs])


def check_aggregate(work):
    """Result tables into a folder with room for one page."""
    evaluated = os.path.join(work, "runs", "aggregated", "evaluate", "split1-seed0")
    os.makedirs(evaluated)
    with open(os.path.join(evaluated, "metrics.json"), "w") as out:
        json.dump({"result": {"table": "faults", "row": "tiny", "column": "", "seed_or_split": "1"},
                   "top1": 50.0, "top5": 100.0}, out)
    tables = os.path.join(work, "tables")
    error = mount_tmpfs(tables, 4 << 10)
    check(error is None, f"mounting the tables' tmpfs failed: {error}")
    if error:
        return
    try:
        args = ["--config", CONFIG, f"run.root={work}/runs", "run.name=aggregated", "evaluate.task=aggregate",
                f"evaluate.aggregate.output={tables}"]
        result = support.mpirun(2, "dap-evaluate", args, timeout=300)
        check_clean_out_of_space("aggregate", result.returncode, result.stdout + result.stderr, tables)
    finally:
        subprocess.run(["umount", tables])


def main():
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data")
        # The 11 clips (8 frames at 32x32, uncompressed) make about 600 KiB of shards in 4 shards of up to
        # 215 KiB: this holds two shards, so one is complete whichever rank gets there first, but not all.
        error = mount_tmpfs(data, 480 << 10)
        if error:
            print(f"skipped: cannot mount a tmpfs to fill up ({error}); run as root where mount is allowed")
            sys.exit(support.SKIP)
        try:
            check_preprocess(work, data)
            if not problems:
                check_feature_cache(work, data)
                check_checkpoint(work, data, os.path.join(work, "runs_tmpfs"))
            check_aggregate(work)
        finally:
            subprocess.run(["umount", data])
    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
