#!/usr/bin/python3
"""The TimeSformer backbone through the pipeline at tiny size (lua/finetune_tiny.lua with
pretrain.backbone.kind = "timesformer"): a checkpoint in the released layout
(tests/python/ref_timesformer.py: "model_state" with "model." keys beside an optimizer
state) is the frozen backbone of dap-pretrain on 2 ranks (and, as Table 4's ablation, a
trained one on 1 rank), whose adapter.pt dap-finetune
starts from (2 ranks), and dap-evaluate scores the model; Grad-CAM is refused as a config
error (exit 2); the Table 1 configs resolve; a checkpoint of other sizes ends the job with one error naming the file and the keys."""
import json
import os
import subprocess
import sys
import tempfile

import torch

import dap_test_support as support

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import synthetic_task  # noqa: E402

CONFIG = "lua/finetune_tiny.lua"
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def main():
    work = tempfile.mkdtemp(prefix="dap_timesformer_")
    task = os.path.join(work, "task")
    synthetic_task.make_task(task)
    os.environ["DAP_TINY_TASK"] = task
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "ref_timesformer.py"), work, "tiny"], check=True)
    weights = os.path.join(work, "tiny_weights.pyth")
    # ref_timesformer.py's "tiny" sizes; views of 4 frames at 32 px (local view 16 px: the
    # position embedding is resized from 4x4 to 2x2 patches).
    backbone = ["pretrain.backbone.kind=timesformer", f"pretrain.backbone.weights={weights}",
                "pretrain.backbone.timesformer={image_size=32, num_frames=4, patch_size=8, width=32, layers=3, "
                "heads=4, num_classes=5}", "pretrain.adapter.num_layers=3"]

    def run(ranks, program, *extra, expect=0):
        args = ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs", *extra]
        result = support.mpirun(ranks, program, args, timeout=300)
        if result.returncode != expect:
            print(result.stdout[-3000:], result.stderr[-3000:])
        check(result.returncode == expect, f"{program} {' '.join(extra)}: exit {result.returncode}, expected {expect}")
        return result

    run(2, "dap-preprocess")
    pretrain = run(2, "dap-pretrain", *backbone)
    check("pretraining finished" in pretrain.stderr + pretrain.stdout, "dap-pretrain finished")
    adapter = os.path.join(work, "runs", "finetune_tiny", "pretrain", "split1", "adapter.pt")
    check(os.path.exists(adapter), "dap-pretrain wrote adapter.pt")
    if os.path.exists(adapter):
        exported = torch.jit.load(adapter).state_dict()
        check(any(k.startswith("adapter.") for k in exported), f"adapter.pt holds the adapter: {sorted(exported)[:4]}")

    # Table 4's "train encoder" ablation: the TimeSformer is trained and exported too.
    trained = run(1, "dap-pretrain", *backbone, "pretrain.backbone.train_encoder=true", "run.name=train_encoder")
    exported_encoder = os.path.join(work, "runs", "train_encoder", "pretrain", "split1", "adapter.pt")
    if trained.returncode == 0 and os.path.exists(exported_encoder):
        keys = torch.jit.load(exported_encoder).state_dict().keys()
        check("backbone.timesformer.patch_embed.proj.weight" in keys, f"train_encoder: no backbone in adapter.pt: {sorted(keys)[:4]}")
    else:
        check(False, "train_encoder: no adapter.pt")

    run(2, "dap-finetune", *backbone, f"finetune.init_adapter={adapter}")
    model = os.path.join(work, "runs", "finetune_tiny", "finetune", "split1-seed0", "model.pt")
    check(os.path.exists(model), "dap-finetune wrote model.pt")
    if os.path.exists(model):
        keys = torch.jit.load(model).state_dict().keys()
        check("model.backbone.timesformer.blocks.2.temporal_fc.weight" in keys, "model.pt holds the TimeSformer backbone")
    run(2, "dap-evaluate", *backbone, f"finetune.init_adapter={adapter}")
    metrics_path = os.path.join(work, "runs", "finetune_tiny", "evaluate", "split1-seed0", "metrics.json")
    check(os.path.exists(metrics_path), "dap-evaluate wrote metrics.json")
    if os.path.exists(metrics_path):
        with open(metrics_path) as f:
            metrics = json.load(f)
        print(f"tiny TimeSformer + DAP, test top-1 {metrics['top1']:.1f}%")
        check(0 <= metrics["top1"] <= 100, f"top-1 {metrics['top1']}")

    # Grad-CAM is CLIP-only: a config error naming the key, not a failure deep in the run.
    gradcam = run(2, "dap-evaluate", *backbone, f"finetune.init_adapter={adapter}", "evaluate.task=gradcam", expect=2)
    check("evaluate.task" in gradcam.stdout + gradcam.stderr and "CLIP ViT backbone only" in gradcam.stdout + gradcam.stderr,
          f"the Grad-CAM refusal names the key:\n{(gradcam.stdout + gradcam.stderr)[-800:]}")

    # A checkpoint of other sizes: the job ends with one error naming the file and the keys.
    wrong = [a if not a.startswith("pretrain.backbone.timesformer=") else a.replace("layers=3", "layers=2")
             for a in backbone]
    wrong[-1] = "pretrain.adapter.num_layers=2"
    args = ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs", *wrong,
            "run.name=wrong_sizes"]
    refused = support.mpirun(2, "dap-pretrain", args, timeout=300)
    text = refused.stdout + refused.stderr
    check(refused.returncode != 0, "a checkpoint of other sizes was accepted")
    check("tiny_weights.pyth" in text and "blocks.2.temporal_fc.weight" in text,
          f"the error names the file and the unexpected keys:\n{text[-1500:]}")

    # The Table 1 configs resolve (their weight files need not exist for --print-config).
    for config in ("lua/arid_timesformer.lua", "lua/arid_timesformer_baseline.lua"):
        printed = subprocess.run([support.binary("dap-finetune"), "--config", config, "--print-config"], cwd=support.SOURCE,
                                 capture_output=True, text=True)
        check(printed.returncode == 0 and 'kind = "timesformer"' in printed.stdout,
              f"{config}: exit {printed.returncode}\n{printed.stderr[-800:]}")

    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
