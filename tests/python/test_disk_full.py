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
- dap-evaluate's aggregate task (rank 0 alone) writing its tables: exit 74, one line;
and, 2 ranks on lua/finetune_tiny.lua's synthetic task (tests/python/synthetic_task.py; a
fresh adapter, 2 epochs = 12 steps, checkpoints at steps 10 and 12):
- dap-finetune writing its second checkpoint: exit 74, one line naming it, the first kept
  intact; given room for that checkpoint but not for model.pt, the rerun resumes and ends
  with exit 74 naming model.pt, no model.pt; given room, the next rerun resumes from the
  last checkpoint and exports a model.pt bit-identical to an uninterrupted run's;
- dap-evaluate's predict task writing into a folder where, in turn, predictions.h5,
  confusion.png and metrics.json do not fit: exit 74, one line naming that file, no
  temporary file, and no metrics.json (what aggregation takes as a finished result; an
  earlier prediction's is removed too) unless everything was written; a predictions.h5
  that is there is complete."""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import dap_test_support as support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synthetic_task  # noqa: E402

CONFIG = "lua/pretrain_tiny.lua"
# Uncompressed: their size is known before any is written (compressed, it is measured on the first).
SHARDS = 'preprocess.output.compression="none"'
EXIT_OUT_OF_SPACE = 74
FINETUNE_CONFIG = "lua/finetune_tiny.lua"  # with a fresh adapter and 2 epochs (finetune_args)
PAGE = 4096  # what tmpfs counts a file in
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


def pages(size):
    """Bytes a file of `size` bytes takes on a tmpfs."""
    return -(-size // PAGE) * PAGE


def files_size(folder, names):
    return sum(pages(os.path.getsize(os.path.join(folder, name))) for name in names)


def empty_folder(folder):
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def finetune_args(work, root, name):
    return ["--config", FINETUNE_CONFIG, f"preprocess.output.root={work}/task_data", f"run.root={root}",
            f"run.name={name}", "finetune.init_adapter=none", "finetune.optim.epochs=2"]


def model_state(path):
    import torch
    return {k: v.clone() for k, v in torch.jit.load(path).state_dict().items()}


def check_finetune(work, reference, runs):
    """Room for a checkpoint and a half: the second one (step 12) does not fit; then room for
    it but for half of model.pt: the export does not fit; then room."""
    checkpoint = pages(os.path.getsize(os.path.join(reference, "checkpoints", "step_000000012.pt")))
    model = pages(os.path.getsize(os.path.join(reference, "model.pt")))
    others = files_size(reference, ["config.lua", "metrics.jsonl"])
    error = mount_tmpfs(runs, others + int(1.5 * checkpoint) + 2 * PAGE)
    check(error is None, f"mounting the fine-tuning tmpfs failed: {error}")
    if error:
        return
    try:
        folder = os.path.join(runs, "full", "finetune", "split1-seed0")
        checkpoints = os.path.join(folder, "checkpoints")
        listed = lambda: sorted(os.path.basename(p) for p in glob.glob(os.path.join(checkpoints, "step_*.pt")))

        def intact(names):
            for name in names:
                path = os.path.join(checkpoints, name)
                with open(path, "rb") as f, open(path + ".sha256") as recorded:
                    check(hashlib.sha256(f.read()).hexdigest() == recorded.read().strip(), f"{path} is not intact")

        result = support.mpirun(2, "dap-finetune", finetune_args(work, runs, "full"), timeout=300)
        line = check_clean_out_of_space("finetune checkpoint", result.returncode, result.stdout + result.stderr, runs)
        check("checkpoints/step_000000012.pt:" in line, f"finetune checkpoint: the line does not name step 12: {line}")
        check(listed() == ["step_000000010.pt"], f"finetune checkpoint: the previous checkpoint is not kept: {listed()}")
        intact(listed())

        resize_tmpfs(runs, used_bytes(runs) + checkpoint + model // 2 + 2 * PAGE)
        result = support.mpirun(2, "dap-finetune", finetune_args(work, runs, "full"), timeout=300)
        output = result.stdout + result.stderr
        line = check_clean_out_of_space("finetune model.pt", result.returncode, output, runs)
        check("resuming from" in output and "step 10)" in output, "finetune model.pt: the rerun did not resume at step 10")
        check(f"out of disk space: cannot write {folder}/model.pt:" in line,
              f"finetune model.pt: the line does not name model.pt: {line}")
        check(not os.path.exists(os.path.join(folder, "model.pt")), "finetune model.pt: a model.pt was left")
        check(listed() == ["step_000000010.pt", "step_000000012.pt"],
              f"finetune model.pt: the checkpoints are not both kept: {listed()}")
        intact(listed())

        resize_tmpfs(runs, 32 << 20)
        rerun = support.mpirun(2, "dap-finetune", finetune_args(work, runs, "full"), timeout=300)
        output = rerun.stdout + rerun.stderr
        check(rerun.returncode == 0, f"the fine-tuning rerun with room failed ({rerun.returncode}):\n{output[-3000:]}")
        check("resuming from" in output and "step 12)" in output, "the fine-tuning rerun did not resume at step 12")
        if rerun.returncode == 0:
            difference = same_state(model_state(os.path.join(reference, "model.pt")),
                                    model_state(os.path.join(folder, "model.pt")))
            check(difference is None, f"the resumed fine-tuning differs from the uninterrupted one: {difference}")
    finally:
        subprocess.run(["umount", runs])


def check_predict(work, reference_runs, out):
    """predictions.h5, confusion.png and metrics.json (written in this order) each in turn the
    one that does not fit; a reference prediction on the ordinary disk gives the sizes."""
    import h5py
    args = lambda output: finetune_args(work, reference_runs, "reference") + [f"evaluate.output={output}"]
    reference = os.path.join(work, "predict_reference")
    result = support.mpirun(2, "dap-evaluate", args(reference), timeout=300)
    check(result.returncode == 0, f"the reference prediction failed:\n{(result.stdout + result.stderr)[-3000:]}")
    if result.returncode != 0:
        return
    size = lambda name: files_size(reference, [name])
    config, predictions, figure = size("config.lua"), size("predictions.h5"), size("confusion.png")
    error = mount_tmpfs(out, PAGE)
    check(error is None, f"mounting the predictions' tmpfs failed: {error}")
    if error:
        return
    try:
        for name, room in (("predictions.h5", config + predictions // 2),
                           ("confusion.png", config + predictions + figure // 2),
                           ("metrics.json", config + predictions + figure)):
            empty_folder(out)
            resize_tmpfs(out, room)
            # An earlier prediction's metrics.json must not outlive a failed one.
            shutil.copy(os.path.join(reference, "metrics.json"), out)
            result = support.mpirun(2, "dap-evaluate", args(out), timeout=300)
            case = f"predict {name}"
            line = check_clean_out_of_space(case, result.returncode, result.stdout + result.stderr, out)
            check(f"out of disk space: cannot write {out}/{name}:" in line,
                  f"{case}: the line does not name {name}: {line}")
            check(not os.path.exists(os.path.join(out, "metrics.json")), f"{case}: a metrics.json is there")
            check(name != "predictions.h5" or not os.path.exists(os.path.join(out, "predictions.h5")),
                  f"{case}: a predictions.h5 was left")
            if os.path.exists(os.path.join(out, "predictions.h5")):
                with h5py.File(os.path.join(out, "predictions.h5"), "r") as got, \
                        h5py.File(os.path.join(reference, "predictions.h5"), "r") as expected:
                    check((got["scores"][()] == expected["scores"][()]).all(), f"{case}: predictions.h5 is not complete")
    finally:
        subprocess.run(["umount", out])


def check_finetune_and_predict(work):
    """The synthetic task, preprocessed on the ordinary disk, and an uninterrupted fine-tuning."""
    task = os.path.join(work, "task")
    synthetic_task.make_task(task)
    os.environ["DAP_TINY_TASK"] = task
    reference_runs = os.path.join(work, "finetune_runs")
    prep = support.mpirun(2, "dap-preprocess", finetune_args(work, reference_runs, "reference"), timeout=300)
    check(prep.returncode == 0, f"preprocessing the synthetic task failed:\n{(prep.stdout + prep.stderr)[-3000:]}")
    if prep.returncode != 0:
        return
    result = support.mpirun(2, "dap-finetune", finetune_args(work, reference_runs, "reference"), timeout=300)
    check(result.returncode == 0, f"the uninterrupted fine-tuning failed:\n{(result.stdout + result.stderr)[-3000:]}")
    if result.returncode != 0:
        return
    check_finetune(work, os.path.join(reference_runs, "reference", "finetune", "split1-seed0"),
                   os.path.join(work, "finetune_tmpfs"))
    check_predict(work, reference_runs, os.path.join(work, "predict_tmpfs"))


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
            check_finetune_and_predict(work)
        finally:
            subprocess.run(["umount", data])
    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
