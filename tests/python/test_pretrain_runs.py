#!/usr/bin/python3
"""dap-pretrain end to end on the tiny config (lua/pretrain_tiny.lua) over
real shards of the bundled clips:
- 1 rank and 2 ranks with the same global batch give the same loss curve;
- a run killed with SIGKILL and restarted ends with exactly the weights,
  optimiser state and centre of an uninterrupted run, with each step logged once;
- SIGUSR1 (Slurm's pre-timeout signal) or SIGTERM saves a checkpoint and exits 75, and
  the continued run again ends exactly like the uninterrupted one;
- a backbone weight file holding NaN stops the run with exit 4, naming the step;
- a corrupt shard read by one rank ends the whole 2-rank job promptly, naming the clip;
- the frozen backbone really stays frozen and the adapter file is written;
- the Table 4 ablations (train encoder, lock encoder) and the R(2+1)D backbone run and
  export what fine-tuning needs; inconsistent shapes are config errors naming the key;
- bf16 autocast (pretrain.precision = "bf16", here on the CPU) follows the float32 loss
  curve within 2% and differs from it."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import torch

import dap_test_support as support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_clip  # noqa: E402

CONFIG = "lua/pretrain_tiny.lua"
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def base_args(work, run_name, extra=()):
    return ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs",
            f"run.name={run_name}", "pretrain.threads.intra_op=1", *extra]


def run_folder(work, run_name):
    return os.path.join(work, "runs", run_name, "pretrain")


def metrics(work, run_name):
    with open(os.path.join(run_folder(work, run_name), "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


def final_state(work, run_name):
    return support.newest_checkpoint_state(os.path.join(run_folder(work, run_name), "checkpoints"))


same_state = support.state_difference


def start(work, run_name, ranks, extra=()):
    command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks),
               support.binary("dap-pretrain"), *base_args(work, run_name, extra)]
    return subprocess.Popen(command, cwd=support.SOURCE, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for_checkpoint(work, run_name, job, step):
    path = os.path.join(run_folder(work, run_name), "checkpoints", f"step_{step:09d}.pt")
    deadline = time.time() + 120
    while not os.path.exists(path):
        if job.poll() is not None or time.time() > deadline:
            return False
        time.sleep(0.01)
    return True


def main():
    with tempfile.TemporaryDirectory() as work:
        prep = support.mpirun(2, "dap-preprocess", base_args(work, "prep"))
        if prep.returncode != 0:
            print(prep.stdout[-3000:], prep.stderr[-3000:])
            sys.exit(1)

        # Long enough to interrupt: 11 clips, global batch 4 -> 2 steps/epoch, 12 epochs.
        long_run = ["pretrain.optim.epochs=12", "pretrain.checkpoint.every_steps=4"]

        # --- 1 rank vs 2 ranks, same global batch.
        one = support.mpirun(1, "dap-pretrain", base_args(work, "one", long_run))
        two = support.mpirun(2, "dap-pretrain", base_args(work, "two", long_run))
        check(one.returncode == 0 and two.returncode == 0,
              f"plain runs failed: {one.returncode} {two.returncode}\n{one.stdout[-2000:]}{two.stdout[-2000:]}")
        if one.returncode or two.returncode:
            return
        # Progress lines: steps done of the job's total, elapsed time and an ETA (24 steps, one line each).
        progress = re.findall(r"step (\d+)/24 \(([0-9.]+)%\) \| elapsed (\S+) \| ETA (\S+) \| epoch", one.stdout + one.stderr)
        check(len(progress) == 24 and progress[-1][:2] == ("24", "100.0") and progress[-1][3] == "0s",
              f"progress lines: {progress[:2]} ... {progress[-1:]} ({len(progress)})")
        loss_one = [m["loss"] for m in metrics(work, "one")]
        loss_two = [m["loss"] for m in metrics(work, "two")]
        check(len(loss_one) == 24 and len(loss_two) == 24, f"expected 24 logged steps: {len(loss_one)} {len(loss_two)}")
        worst = max(abs(a - b) / max(abs(a), 1e-6) for a, b in zip(loss_one, loss_two))
        print(f"1 vs 2 ranks: {len(loss_one)} steps, largest relative loss difference {worst:.2e}")
        check(worst < 1e-4, f"1-rank and 2-rank loss curves differ by {worst:.2e} (relative)")
        check(len(set(round(x, 6) for x in loss_one)) > 5, "the loss does not change between steps")
        # Interrupted 2-rank runs must end bit for bit like this uninterrupted one.
        _, reference = final_state(work, "two")
        check(os.path.exists(os.path.join(run_folder(work, "two"), "adapter.pt")), "adapter.pt was not written")
        with open(os.path.join(run_folder(work, "two"), "loss.png"), "rb") as png:
            check(png.read(8) == b"\x89PNG\r\n\x1a\n", "loss.png is not a PNG file")
        adapter = torch.jit.load(os.path.join(run_folder(work, "two"), "adapter.pt")).state_dict()
        check(any(k.startswith("adapter.pab.") for k in adapter), f"adapter.pt keys: {list(adapter)[:5]}")
        check(not any("backbone" in k for k in reference), "the frozen backbone ended up in the checkpoint")
        moved = [k for k in reference if k.startswith("student.") and
                 not torch.equal(reference[k], reference["teacher." + k[len("student."):]])]
        check(len(moved) > 0, "student and teacher are identical after training: the EMA or the update is broken")

        # --- SIGKILL after the checkpoint of step 8, then rerun: identical end state.
        job = start(work, "killed", 2, long_run)
        reached = wait_for_checkpoint(work, "killed", job, 8)
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
        check(reached, "the killed run never wrote its step-8 checkpoint")
        logged = len(metrics(work, "killed"))
        print(f"killed after {logged} logged steps")
        check(logged < 24, "the run finished before it could be killed")
        rerun = support.mpirun(2, "dap-pretrain", base_args(work, "killed", long_run))
        check(rerun.returncode == 0, f"resumed run failed ({rerun.returncode}):\n{rerun.stdout[-3000:]}")
        check("resuming from" in rerun.stdout + rerun.stderr, "the rerun did not say it resumed")
        _, resumed = final_state(work, "killed")
        difference = same_state(reference, resumed)
        check(difference is None, f"killed+resumed run differs from the uninterrupted one: {difference}")
        steps = [m["step"] for m in metrics(work, "killed")]
        check(steps == list(range(1, 25)), f"metrics.jsonl steps after resume: {steps}")
        check([m["loss"] for m in metrics(work, "killed")] == [m["loss"] for m in metrics(work, "two")],
              "the resumed loss curve differs from the uninterrupted 2-rank one")
        check(not glob.glob(os.path.join(run_folder(work, "killed"), "checkpoints", "*.tmp")), "temporary file left")

        # --- SIGUSR1: checkpoint and exit 75; the continued run ends the same.
        job = start(work, "signalled", 2, long_run)
        reached = wait_for_checkpoint(work, "signalled", job, 4)
        os.killpg(job.pid, signal.SIGUSR1)
        output, _ = job.communicate(timeout=120)
        check(reached and job.returncode == 75, f"SIGUSR1: exit {job.returncode}, expected 75\n{output[-3000:]}")
        check("stop signal received" in output, "no log line about the stop signal")
        saved = max(m["step"] for m in metrics(work, "signalled"))
        check(os.path.exists(os.path.join(run_folder(work, "signalled"), "checkpoints", f"step_{saved:09d}.pt")),
              f"no checkpoint at the last logged step {saved}")
        rerun = support.mpirun(2, "dap-pretrain", base_args(work, "signalled", long_run))
        check(rerun.returncode == 0, f"continued run failed ({rerun.returncode})")
        _, continued = final_state(work, "signalled")
        difference = same_state(reference, continued)
        check(difference is None, f"signalled+continued run differs from the uninterrupted one: {difference}")

        # --- SIGTERM (Slurm's time limit / preemption) to a rank started without mpirun: the same.
        command = [support.binary("dap-pretrain"), *base_args(work, "terminated", long_run)]
        job = subprocess.Popen(command, cwd=support.SOURCE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        reached = wait_for_checkpoint(work, "terminated", job, 4)
        job.send_signal(signal.SIGTERM)
        output, _ = job.communicate(timeout=120)
        check(reached and job.returncode == 75, f"SIGTERM: exit {job.returncode}, expected 75\n{output[-2000:]}")

        # --- A weight file with NaN: exit 4 on every rank, naming the step.
        torch.manual_seed(0)
        visual = ref_clip.VisionTransformer(32, 8, 32, 2, 2, 16)
        state = {"visual." + k: v.detach().clone() for k, v in visual.state_dict().items()}
        good_weights = os.path.join(work, "tiny_clip.pt")
        torch.save(state, good_weights)
        state["visual.conv1.weight"][0, 0, 0, 0] = float("nan")
        nan_weights = os.path.join(work, "tiny_clip_nan.pt")
        torch.save(state, nan_weights)
        good = support.mpirun(2, "dap-pretrain", base_args(work, "good_weights", [f"pretrain.backbone.weights={good_weights}"]))
        check(good.returncode == 0, f"run with a real CLIP-format weight file failed:\n{good.stdout[-3000:]}")
        bad = support.mpirun(2, "dap-pretrain", base_args(work, "nan", [f"pretrain.backbone.weights={nan_weights}"]),
                             timeout=120)
        text = bad.stdout + bad.stderr
        check(bad.returncode == 4, f"NaN weights: exit {bad.returncode}, expected 4\n{text[-3000:]}")
        check("non-finite loss at step 1" in text and "last good checkpoint" in text,
              f"the non-finite loss message does not name the step and checkpoint:\n{text[-2000:]}")

        # --- Table 4 ablations and the CNN backbone: short runs, the exported modules.
        r2plus1d = ["pretrain.backbone.kind=r2plus1d", "pretrain.backbone.r2plus1d.layers={1,1,1,1}",
                    "pretrain.backbone.r2plus1d.widths={8,16,32,64}", "pretrain.backbone.r2plus1d.stem_mid_width=8",
                    "pretrain.backbone.r2plus1d.stem_width=8", "pretrain.adapter.input_widths={8,16,32,64}",
                    "pretrain.adapter.num_layers=4", "pretrain.adapter.num_frames=1", "pretrain.views.num_frames=8"]
        variants = {"train_encoder": (["pretrain.backbone.train_encoder=true"], "backbone.clip.conv1.weight"),
                    "lock_encoder": (['pretrain.adapter.mode="lock_encoder"'], "adapter.lock_encoder.positional_embedding"),
                    "r2plus1d": (r2plus1d, "adapter.pab.steps.0.input_proj.weight")}
        for name, (overrides, key) in variants.items():
            result = support.mpirun(1, "dap-pretrain", base_args(work, name, overrides))
            check(result.returncode == 0, f"{name} run failed:\n{result.stdout[-2000:]}")
            if result.returncode == 0:
                exported = torch.jit.load(os.path.join(run_folder(work, name), "adapter.pt")).state_dict()
                check(key in exported, f"{name}: adapter.pt lacks {key}: {sorted(exported)[:6]}")

        # --- bf16 autocast (pretrain.precision) against float32, same 6 steps: bfloat16 keeps 8
        # mantissa bits, so the losses agree to about 1%; they must also differ (autocast ran).
        curves = {}
        for precision in ("fp32", "bf16"):
            name = "precision_" + precision
            result = support.mpirun(1, "dap-pretrain", base_args(work, name, [f"pretrain.precision={precision}"]))
            check(result.returncode == 0, f"{name} run failed:\n{result.stdout[-2000:]}")
            curves[precision] = [m["loss"] for m in metrics(work, name)] if result.returncode == 0 else []
        if curves["fp32"] and curves["bf16"]:
            worst = max(abs(a - b) / abs(a) for a, b in zip(curves["fp32"], curves["bf16"]))
            print(f"bf16 vs fp32: {len(curves['bf16'])} steps, largest relative loss difference {worst:.2e}")
            check(len(curves["bf16"]) == len(curves["fp32"]) == 6, f"expected 6 steps each: {curves}")
            check(0 < worst < 2e-2, f"bf16 and fp32 loss curves differ by {worst:.2e} (relative): {curves}")
        bad_frames = support.mpirun(2, "dap-pretrain", base_args(work, "bad", ["pretrain.adapter.num_frames=8"]))
        check(bad_frames.returncode == 2 and "pretrain.adapter.num_frames: must be 4" in bad_frames.stdout + bad_frames.stderr,
              f"mismatched adapter frames: exit {bad_frames.returncode}\n{bad_frames.stdout[-1500:]}")

        # --- A corrupt chunk of frames: whichever rank reads it fails, and the job ends.
        corrupt = os.path.join(work, "corrupt")
        shutil.copytree(glob.glob(os.path.join(work, "data", "tiny-*"))[0], corrupt)
        shard = sorted(glob.glob(os.path.join(corrupt, "*.h5")))[0]
        with h5py.File(shard, "r") as f:
            chunk = f["frames"].id.get_chunk_info(0)
        with open(shard, "r+b") as f:
            f.seek(chunk.byte_offset + chunk.size // 2)
            f.write(b"\xff" * min(64, chunk.size // 2))
        began = time.time()
        broken = support.mpirun(2, "dap-pretrain", base_args(work, "corrupt", [f"pretrain.data.shards={{\"{corrupt}\"}}"]),
                                timeout=300)
        elapsed = time.time() - began
        text = broken.stdout + broken.stderr
        print(f"corrupt shard: exit {broken.returncode} after {elapsed:.1f} s")
        check(broken.returncode != 0, "a corrupt shard did not fail the job")
        check(os.path.basename(shard) in text and "clip" in text, f"the error does not name the clip and shard:\n{text[-2000:]}")
        check(elapsed < 120, f"the job took {elapsed:.0f} s to end after a rank failed")

    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
