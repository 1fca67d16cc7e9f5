#!/usr/bin/python3
"""Damaged files a cluster job meets, end to end on the tiny pretraining config
(lua/pretrain_tiny.lua, 2 ranks):
- the newest checkpoint truncated, altered in one byte, truncated without a checksum
  (as written before checkpoints had one), or deleted: the rerun names it, sets it aside as
  step_N.pt.damaged, resumes from the older one and ends with exactly the weights,
  optimiser state and centre of an uninterrupted run;
- every checkpoint damaged: the rerun stops (exit 3 on every rank, no MPI_Abort) saying
  that none is intact;
- dap-preprocess estimates the shards' size (compression measured on the first shard)
  against the free space, in one line;
- a damaged shard: dap-pretrain names the shard and says that rerunning the same
  dap-preprocess redoes its videos; after that rerun, pretraining ends exactly as on the
  undamaged shard.
The disk-full cases are in test_disk_full.py (they need root for a tmpfs)."""
import glob
import os
import shutil
import sys
import tempfile

import h5py

import dap_test_support as support

CONFIG = "lua/pretrain_tiny.lua"
EXIT_BAD_INPUT = 3
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def args(work, run_name, extra=()):
    # Two videos per shard: the first shard is written while most videos are still to come.
    return ["--config", CONFIG, f"preprocess.output.root={work}/data", "preprocess.output.videos_per_shard=2",
            f"run.root={work}/runs", f"run.name={run_name}", "pretrain.threads.intra_op=1", *extra]


def checkpoints(work, run_name):
    return os.path.join(work, "runs", run_name, "pretrain", "checkpoints")


def final_state(work, run_name):
    return support.newest_checkpoint_state(checkpoints(work, run_name))[1]


same_state = support.state_difference


def pretrain(work, run_name, extra=()):
    result = support.mpirun(2, "dap-pretrain", args(work, run_name, extra), timeout=300)
    return result.returncode, result.stdout + result.stderr


def truncate(path):
    os.truncate(path, os.path.getsize(path) // 2)


def alter_one_byte(path):
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def truncate_without_checksum(path):
    os.remove(path + ".sha256")
    truncate(path)


def check_checkpoint_faults(work):
    # 12 steps with checkpoints at 4, 8 and 12 (keep = 2); the interrupted run stops at 8.
    schedule = ["pretrain.optim.epochs=6", "pretrain.checkpoint.every_steps=4"]
    code, output = pretrain(work, "reference", schedule)
    check(code == 0, f"the uninterrupted run failed ({code}):\n{output[-3000:]}")
    code, output = pretrain(work, "stopped", schedule + ["pretrain.optim.max_steps=8"])
    check(code == 0, f"the run stopped at step 8 failed ({code}):\n{output[-3000:]}")
    if problems:
        return
    reference = final_state(work, "reference")
    newest = os.path.join(checkpoints(work, "stopped"), "step_000000008.pt")
    older = os.path.join(checkpoints(work, "stopped"), "step_000000004.pt")
    check(os.path.exists(newest + ".sha256"), "a checkpoint has no .sha256 beside it")

    faults = {"truncated": truncate, "altered": alter_one_byte, "truncated_unverified": truncate_without_checksum,
              "deleted": os.remove}
    for name, damage in faults.items():
        shutil.copytree(os.path.join(work, "runs", "stopped"), os.path.join(work, "runs", name))
        damage(os.path.join(checkpoints(work, name), os.path.basename(newest)))
        code, output = pretrain(work, name, schedule)
        check(code == 0, f"{name}: the rerun failed ({code}):\n{output[-3000:]}")
        resumed_from = os.path.join(checkpoints(work, name), os.path.basename(older))
        check(f"resuming from {resumed_from} (step 4)" in output,
              f"{name}: did not resume from step 4:\n{output[-2000:]}")
        if name != "deleted":
            damaged = os.path.join(checkpoints(work, name), os.path.basename(newest))
            lines = [line for line in output.splitlines() if f"checkpoint {damaged} is damaged" in line]
            check(len(lines) == 1, f"{name}: {len(lines)} lines name the damaged checkpoint:\n{output[-2000:]}")
            check(os.path.exists(damaged + ".damaged"), f"{name}: the damaged checkpoint was not set aside")
            print(f"{name}: {lines[0].split('] ', 2)[-1] if lines else '?'}")
        check("Exception raised from" not in output and "terminate called" not in output,
              f"{name}: a stack trace reached the log:\n{output[-2000:]}")
        if code == 0:
            difference = same_state(reference, final_state(work, name))
            check(difference is None, f"{name}: the resumed run differs from the uninterrupted one: {difference}")

    # Every checkpoint damaged: stop, saying so.
    shutil.copytree(os.path.join(work, "runs", "stopped"), os.path.join(work, "runs", "all_damaged"))
    for path in glob.glob(os.path.join(checkpoints(work, "all_damaged"), "step_*.pt")):
        truncate(path)
    code, output = pretrain(work, "all_damaged", schedule)
    check(code == EXIT_BAD_INPUT, f"all damaged: exit {code}, expected {EXIT_BAD_INPUT}\n{output[-2000:]}")
    check(output.count("no intact checkpoint left in") == 1, f"all damaged: no single clear message:\n{output[-2000:]}")
    check("MPI_ABORT" not in output, f"all damaged: the job was aborted:\n{output[-2000:]}")


def damage_frames(shard, video_frames):
    """Overwrites the middle of every chunk of the first video's frames, both views."""
    with h5py.File(shard, "r") as f:
        chunks = [f[name].id.get_chunk_info(i) for name in ("frames", "frames_enhanced") for i in range(video_frames)]
    with open(shard, "r+b") as f:
        for chunk in chunks:
            f.seek(chunk.byte_offset + chunk.size // 2)
            f.write(b"\xff" * min(64, chunk.size // 2))


def check_damaged_shard_repair(work):
    # One rank and one shard for all videos: the repaired shard holds them in the same order.
    single = os.path.join(work, "single")
    prep_args = ["--config", CONFIG, f"preprocess.output.root={single}", "preprocess.output.videos_per_shard=100"]
    run_args = lambda name: prep_args + [f"run.root={work}/runs", f"run.name={name}", "pretrain.threads.intra_op=1"]
    prep = support.mpirun(1, "dap-preprocess", prep_args, timeout=300)
    check(prep.returncode == 0, f"preprocessing failed:\n{prep.stdout[-2000:]}")
    clean = support.mpirun(2, "dap-pretrain", run_args("clean_shards"), timeout=300)
    check(clean.returncode == 0, f"pretraining on the clean shard failed:\n{clean.stdout[-2000:]}")
    if problems:
        return
    shards = glob.glob(os.path.join(single, "*", "*.h5"))
    check(len(shards) == 1, f"expected one shard: {shards}")
    shard = shards[0]
    damage_frames(shard, 8)  # pretrain_tiny stores 8 frames per video

    broken = support.mpirun(2, "dap-pretrain", run_args("damaged_shard"), timeout=300)
    text = broken.stdout + broken.stderr
    check(broken.returncode != 0, "a damaged shard did not fail pretraining")
    hint = [line for line in text.splitlines() if "Rerun the same dap-preprocess" in line]
    check(len(hint) >= 1 and shard in hint[0] and os.path.dirname(shard) in hint[0],
          f"the error does not name the shard and the repair:\n{text[-3000:]}")
    if hint:
        print("damaged shard:", hint[0].split("] ", 2)[-1])

    again = support.mpirun(1, "dap-preprocess", prep_args, timeout=300)
    output = again.stdout + again.stderr
    check(again.returncode == 0, f"rerunning dap-preprocess failed:\n{output[-2000:]}")
    check("checksum missing or wrong" in output, f"the rerun did not notice the damaged shard:\n{output[-2000:]}")
    repaired = support.mpirun(2, "dap-pretrain", run_args("repaired_shards"), timeout=300)
    check(repaired.returncode == 0, f"pretraining on the repaired shard failed:\n{repaired.stdout[-2000:]}")
    if repaired.returncode == 0:
        difference = same_state(final_state(work, "clean_shards"), final_state(work, "repaired_shards"))
        check(difference is None, f"pretraining on the repaired shard differs from the clean one: {difference}")


def main():
    with tempfile.TemporaryDirectory() as work:
        prep = support.mpirun(2, "dap-preprocess", args(work, "prep"), timeout=300)
        if prep.returncode != 0:
            print(prep.stdout[-3000:], prep.stderr[-3000:])
            sys.exit(1)
        # The shards' size, estimated once the first one shows how well they compress, against the free space.
        output = prep.stdout + prep.stderr
        estimate = [line for line in output.splitlines() if "disk space: the shards of" in line]
        check(len(estimate) == 1 and "as measured on shard-" in estimate[0] and " free" in estimate[0],
              f"no single line with the shards' estimated size and the free space:\n{output[-3000:]}")
        if estimate:
            print("estimate:", estimate[0].split("] ", 1)[-1])
        check_checkpoint_faults(work)
        check_damaged_shard_repair(work)
    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
