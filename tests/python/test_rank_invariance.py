#!/usr/bin/python3
"""One config, one result, whatever the rank count: at the same global batch, 1 rank and
2 ranks train the same model, for every loss (lua/finetune_tiny.lua on the synthetic
colour task of tests/python/synthetic_task.py, real dap-preprocess shards):
- dap-pretrain (DINO loss, centre over the global batch);
- dap-finetune with cross-entropy and a linear head;
- dap-finetune with ActionCLIP's KL loss and a trained text encoder: the video-text
  matrix spans the global batch (its rows gathered over ranks), with the gradient
  all-reduce overlapped with the backward pass (the default) and after it.
Each pair logs the same loss at every step (relative difference <= 1e-4) and ends with the
same weights (relative difference of every tensor, in the L2 norm, <= 1e-4)."""
import json
import os
import shutil
import sys
import tempfile

import torch

import dap_test_support as support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synthetic_task  # noqa: E402

CONFIG = "lua/finetune_tiny.lua"
TOLERANCE = 1e-4
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def run(ranks, program, work, *extra):
    args = ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs", *extra]
    result = support.mpirun(ranks, program, args, timeout=300)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-5000:])
    check(result.returncode == 0, f"{program} on {ranks} rank(s) {' '.join(extra)}: exit {result.returncode}")
    return result.returncode == 0


def losses(folder):
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        return [json.loads(line)["loss"] for line in f]


def weights(path):
    return {k: v.detach().double().clone() for k, v in torch.jit.load(path).state_dict().items()}


def comparable(name, tensor):
    """The part of a tensor that training determines. The key bias of softmax attention (the
    middle third of in_proj_bias) shifts every logit of a query's row alike, so its gradient is
    zero up to rounding, and AdamW turns that rounding noise into steps of up to lr: it differs
    between any two summation orders, whatever the rank count."""
    if name.endswith("in_proj_bias"):
        third = tensor.shape[0] // 3
        return torch.cat([tensor[:third], tensor[2 * third:]])
    return tensor


def compare(what, one_folder, two_folder, result_file):
    """The loss curves and final weights of a 1-rank and a 2-rank run; returns the worst differences."""
    one, two = losses(one_folder), losses(two_folder)
    check(len(one) == len(two) and len(one) > 3, f"{what}: logged steps {len(one)} vs {len(two)}")
    curve = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(one, two))
    check(curve <= TOLERANCE, f"{what}: loss curves differ by {curve:.3g} (relative) at worst")
    check(len(set(round(x, 6) for x in one)) > 3, f"{what}: the loss does not change between steps")
    a, b = weights(os.path.join(one_folder, result_file)), weights(os.path.join(two_folder, result_file))
    check(a.keys() == b.keys(), f"{what}: different tensors in {result_file}")
    differences = []
    for k in a.keys() & b.keys():
        x, y = comparable(k, a[k]), comparable(k, b[k])
        if x.numel() == 0 or not x.is_floating_point():
            continue
        differences.append((float((x - y).norm() / max(float(x.norm()), 1e-12)), k))
    differences.sort(reverse=True)
    worst, name = differences[0]
    print(f"{what}: largest weight differences {[(f'{d:.2e}', k) for d, k in differences[:3]]}")
    check(worst <= TOLERANCE, f"{what}: final weights differ by {worst:.3g} (relative, {name})")
    print(f"{what}: {len(one)} steps, loss curves within {curve:.2e}, final weights within {worst:.2e} ({name})")


def main():
    work = tempfile.mkdtemp(prefix="dap_ranks_")
    task = os.path.join(work, "task")
    synthetic_task.make_task(task)
    os.environ["DAP_TINY_TASK"] = task
    runs = os.path.join(work, "runs")
    try:
        if not run(2, "dap-preprocess", work):
            return
        # Pretraining: 48 clips, global batch 8, 2 epochs.
        for ranks in (1, 2):
            run(ranks, "dap-pretrain", work, f"run.name=pretrain{ranks}")
        folder = lambda name, stage, sub: os.path.join(runs, name, stage, sub)  # noqa: E731
        compare("pretrain (DINO)", folder("pretrain1", "pretrain", "split1"), folder("pretrain2", "pretrain", "split1"),
                "adapter.pt")
        adapter = os.path.join(folder("pretrain2", "pretrain", "split1"), "adapter.pt")

        variants = {
            "finetune cross-entropy": ["finetune.loss=cross_entropy", "finetune.head.kind=linear"],
            "finetune ActionCLIP KL, text encoder trained": [
                "finetune.loss=actionclip_kl", "finetune.head.kind=text", "finetune.head.text.train_encoder=true",
                "finetune.optim.lr_text=1e-4"],
        }
        variants["finetune ActionCLIP KL, all-reduce after backward"] = (
            variants["finetune ActionCLIP KL, text encoder trained"] + ["finetune.overlap_allreduce=false"])
        for index, (what, extra) in enumerate(variants.items()):
            common = [f"finetune.init_adapter={adapter}", "finetune.optim.epochs=4", *extra]
            for ranks in (1, 2):
                run(ranks, "dap-finetune", work, f"run.name=ft{index}_{ranks}", *common)
            compare(what, folder(f"ft{index}_1", "finetune", "split1-seed0"),
                    folder(f"ft{index}_2", "finetune", "split1-seed0"), "model.pt")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print("rank invariance: all checks passed")
