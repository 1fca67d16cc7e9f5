#!/usr/bin/python3
"""dap-finetune and dap-evaluate end to end on a task whose answer is known
(tests/python/synthetic_task.py: the class is the colour of the top-left
quadrant; 4 classes, 48 training and 24 test videos encoded through ffmpeg,
preprocessed by dap-preprocess) with lua/finetune_tiny.lua:
- fine-tuning from the dap-pretrain adapter and from scratch (baseline) on 2
  ranks learns the task far above chance (25%);
- a run stopped by max_steps and continued ends bit-identical to an
  uninterrupted one, with each step logged once;
- predictions.h5 holds the test split's ids, and metrics.json's Top-1/Top-5
  equal a numpy recomputation from its scores;
- source-free adaptation: a teacher's predictions give per-class top-k
  pseudo-labels (8 of 12 per class), and a text-head model trained on them learns the task;
- CLIP zero-shot prediction runs through the text encoder;
- Grad-CAM puts more of its mass on the quadrant that holds the evidence than
  the quadrant's share of the frame, and the picture has Fig. 3's four rows;
- aggregate writes tables whose mean +- std equal the runs' metrics;
- config mistakes (missing adapter, zero-shot width mismatch) exit 2 on every
  rank, naming the key;
- an adapter pretrained on the split's test clips is refused (exit 3);
- BatchNorm statistics are learnt when a backbone is trained from scratch and kept when it
  comes from a weight file."""
import csv
import json
import os
import shutil
import struct
import sys
import tempfile

import h5py
import numpy as np
import torch

import dap_test_support as support

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synthetic_task  # noqa: E402

CONFIG = "lua/finetune_tiny.lua"
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
        print("FAIL:", message)


def run(ranks, program, work, *extra, expect=0):
    args = ["--config", CONFIG, f"preprocess.output.root={work}/data", f"run.root={work}/runs", *extra]
    result = support.mpirun(ranks, program, args, timeout=300)
    if result.returncode != expect:
        print(result.stdout[-3000:], result.stderr[-5000:])
    check(result.returncode == expect, f"{program} {' '.join(extra)}: exit {result.returncode}, expected {expect}")
    return result


def state(path):
    return {k: v.clone() for k, v in torch.jit.load(path).state_dict().items()}


def read_json(path):
    with open(path) as f:
        return json.load(f)


def main():
    work = tempfile.mkdtemp(prefix="dap_finetune_")
    task = os.path.join(work, "task")
    synthetic_task.make_task(task)
    os.environ["DAP_TINY_TASK"] = task
    runs = os.path.join(work, "runs")
    tiny = os.path.join(runs, "finetune_tiny")

    run(2, "dap-preprocess", work)
    run(2, "dap-pretrain", work)
    adapter = os.path.join(tiny, "pretrain", "split1", "adapter.pt")
    check(os.path.exists(adapter), "dap-pretrain wrote split 1's adapter.pt")

    # An adapter that has seen the test clips is refused: here the "test set" is split
    # 1's training list, the very clips the adapter was pretrained on.
    leak = run(2, "dap-finetune", work, "run.name=leak", f"finetune.init_adapter={adapter}",
               f"evaluate.data.ids={task}/split1_train.csv", expect=3)
    check("was pretrained on 48 of the 48 test clips of split 1" in leak.stdout + leak.stderr,
          "the refusal names how many test clips the adapter saw")
    check(not os.path.exists(os.path.join(runs, "leak", "finetune")), "nothing was trained")

    # Fine-tuning from the pretrained adapter, uninterrupted and interrupted.
    dap = run(2, "dap-finetune", work, f"finetune.init_adapter={adapter}")
    check("pretrained parameter tensors at lr 0.0005" in dap.stderr, "the log states the two learning-rate groups")
    folder = os.path.join(tiny, "finetune", "split1-seed0")
    model = os.path.join(folder, "model.pt")
    check(os.path.exists(model) and os.path.exists(os.path.join(folder, "loss.png")), "model.pt and loss.png written")
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        lines = [json.loads(line) for line in f]
    check([line["step"] for line in lines] == list(range(1, 49)), "metrics.jsonl logs steps 1..48 once")
    check(lines[-1]["train_top1"] >= 75, f"training accuracy at the end {lines[-1]['train_top1']}")
    check(abs(lines[10]["lr_new"] / lines[10]["lr_pretrained"] - 4.0) < 1e-9, "two learning rates (2e-3 / 5e-4)")

    resumed_args = ["run.name=resumed", f"finetune.init_adapter={adapter}"]
    run(2, "dap-finetune", work, *resumed_args, "finetune.optim.max_steps=20")
    resumed = os.path.join(runs, "resumed", "finetune", "split1-seed0")
    check(not os.path.exists(os.path.join(resumed, "model.pt")), "no model.pt before the last step")
    run(2, "dap-finetune", work, *resumed_args)
    with open(os.path.join(resumed, "metrics.jsonl")) as f:
        steps = [json.loads(line)["step"] for line in f]
    check(steps == list(range(1, 49)), "the resumed run logs each step once")
    a, b = state(model), state(os.path.join(resumed, "model.pt"))
    check(a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a),
          "stopped and continued fine-tuning ends bit-identical to the uninterrupted run")

    # Predict on the test split: accuracy and a recomputation of the metrics.
    run(2, "dap-evaluate", work, f"finetune.init_adapter={adapter}", "evaluate.result.row=DAP")
    evaluated = os.path.join(tiny, "evaluate", "split1-seed0")
    metrics = read_json(os.path.join(evaluated, "metrics.json"))
    with h5py.File(os.path.join(evaluated, "predictions.h5"), "r") as f:
        ids = [x.decode() if isinstance(x, bytes) else x for x in f["video_ids"][()]]
        labels = f["labels"][()]
        scores = f["scores"][()]
    with open(os.path.join(task, "split1_test.csv")) as f:
        test_ids = sorted(row["id"] for row in csv.DictReader(f))
    check(sorted(ids) == test_ids, "predictions.h5 holds exactly the test split")
    top1 = 100.0 * np.mean(scores.argmax(1) == labels)
    top4 = 100.0 * np.mean([labels[i] in np.argsort(-scores[i], kind="stable")[:4] for i in range(len(labels))])
    check(abs(metrics["top1"] - top1) < 1e-9 and abs(metrics["top5"] - top4) < 1e-9,
          f"metrics.json top1/top5 {metrics['top1']}/{metrics['top5']} equal numpy's {top1}/{top4}")
    check(metrics["top1"] >= 75, f"DAP model top-1 {metrics['top1']} far above chance (25)")
    check(os.path.exists(os.path.join(evaluated, "confusion.png")), "confusion.png written")

    # Baseline: no domain-adaptive pretraining (fresh adapter), another seed.
    base_args = ["finetune.init_adapter=none", "finetune.seed=1"]
    run(1, "dap-finetune", work, *base_args)
    run(1, "dap-evaluate", work, *base_args, "evaluate.result.row=baseline")
    baseline = read_json(os.path.join(tiny, "evaluate", "split1-seed1", "metrics.json"))
    check(baseline["top1"] >= 75, f"baseline top-1 {baseline['top1']} far above chance")

    # Source-free adaptation: the DAP model is the teacher of the (unlabelled) training split.
    teacher = os.path.join(work, "teacher")
    run(2, "dap-evaluate", work, f"finetune.init_adapter={adapter}", f"evaluate.output={teacher}",
        f"evaluate.data.ids={task}/split1_train.csv")
    sf_args = ["run.name=sfvda", "finetune.init_adapter=none", "finetune.head.kind=text",
               "finetune.labels.source=pseudo", f"finetune.labels.predictions={teacher}/predictions.h5",
               "finetune.labels.selection=topk_per_class", "finetune.labels.k_per_class=8",
               "finetune.optim.epochs=16"]
    run(2, "dap-finetune", work, *sf_args)
    with open(os.path.join(runs, "sfvda", "finetune", "split1-seed0", "pseudo_labels.csv")) as f:
        pseudo = list(csv.DictReader(f))
    per_class = [sum(1 for row in pseudo if row["label"] == str(c)) for c in range(4)]
    check(len(pseudo) == 32 and per_class == [8, 8, 8, 8], f"top-8 per class pseudo-labels: {per_class}")
    run(2, "dap-evaluate", work, *sf_args)
    sfvda = read_json(os.path.join(runs, "sfvda", "evaluate", "split1-seed0", "metrics.json"))
    print(f"test top-1: DAP {metrics['top1']:.1f}, baseline {baseline['top1']:.1f}, "
          f"text head on pseudo-labels {sfvda['top1']:.1f} (chance 25)")
    check(sfvda["top1"] >= 75, f"text-head model on pseudo-labels: top-1 {sfvda['top1']}")

    # ActionCLIP as the paper's baseline rows run it: fusion over CLIP's frame embeddings, the
    # text encoder fine-tuned with ActionCLIP's loss, every pseudo-label kept.
    ac_args = ["run.name=actionclip", "finetune.init_adapter=none", "finetune.head.kind=text",
               "pretrain.adapter.mode=lock_encoder", "pretrain.adapter.lock_input=embedding",
               "pretrain.adapter.width=16", "finetune.head.text.train_encoder=true", "finetune.loss=actionclip_kl",
               "finetune.labels.source=pseudo", f"finetune.labels.predictions={teacher}/predictions.h5",
               "finetune.labels.selection=all", "finetune.optim.epochs=16", "finetune.optim.lr_text=1e-4"]
    dap = run(2, "dap-finetune", work, *ac_args)
    check("text encoder trained at lr 0.0001" in dap.stderr and "loss actionclip_kl" in dap.stderr,
          "the log states the text encoder's learning rate and the loss")
    with open(os.path.join(runs, "actionclip", "finetune", "split1-seed0", "pseudo_labels.csv")) as f:
        check(len(list(csv.DictReader(f))) == 48, "selection = all keeps a pseudo-label for each of the 48 clips")
    ac_model = state(os.path.join(runs, "actionclip", "finetune", "split1-seed0", "model.pt"))
    check(any(".text_encoder." in k for k in ac_model) and not any(".text_proj." in k for k in ac_model),
          "model.pt holds the trained text encoder and no projection after the embedding fusion")
    run(2, "dap-evaluate", work, *ac_args)
    actionclip = read_json(os.path.join(runs, "actionclip", "evaluate", "split1-seed0", "metrics.json"))
    print(f"ActionCLIP-style (text encoder trained, all pseudo-labels): top-1 {actionclip['top1']:.1f}")
    # The batch-pair loss learns more slowly than cross-entropy on this tiny random model (54% here).
    check(actionclip["top1"] >= 40, f"ActionCLIP-style model on pseudo-labels: top-1 {actionclip['top1']}")

    # CLIP zero-shot through the (random, tiny) text encoder.
    run(1, "dap-evaluate", work, "evaluate.model=zeroshot", "finetune.head.kind=text",
        "evaluate.result.row=zero-shot")
    zero = read_json(os.path.join(tiny, "evaluate", "zeroshot-split1", "metrics.json"))
    check(zero["count"] == 24, "zero-shot predictions for the 24 test clips")

    # Grad-CAM before (baseline) and after DAP: evidence in the top-left quadrant.
    baseline_model = os.path.join(tiny, "finetune", "split1-seed1", "model.pt")
    cams = os.path.join(work, "gradcam")
    run(1, "dap-evaluate", work, f"finetune.init_adapter={adapter}", "evaluate.task=gradcam",
        f"evaluate.gradcam.before={baseline_model}", "evaluate.gradcam.clips=24", "evaluate.gradcam.block=0",
        "evaluate.gradcam.frames=4", f"evaluate.output={cams}")
    maps = read_json(os.path.join(cams, "gradcam.json"))
    check(len(maps) == 24, "Grad-CAM of 24 clips")
    share = []
    for entry in maps:
        grid = entry["after DAP"]["grid"]
        cam = np.array(entry["after DAP"]["cam"]).reshape(-1, grid, grid)
        share.append(cam[:, : grid // 2, : grid // 2].sum() / cam.sum())
    print(f"Grad-CAM mass on the evidence quadrant: mean {np.mean(share):.3f} (its area share: 0.25)")
    check(np.mean(share) > 0.4, f"Grad-CAM concentrates on the evidence quadrant: {np.mean(share):.3f}")
    png = os.path.join(cams, maps[0]["png"])
    with open(png, "rb") as f:
        width, height = struct.unpack(">II", f.read(24)[16:24])  # the PNG's IHDR
    check(height == 4 * 32 + 5 * 4, f"the picture has four rows of 32-px frames (height {height})")

    # Aggregate both rows over their runs.
    run(1, "dap-evaluate", work, "evaluate.task=aggregate")
    tables = read_json(os.path.join(tiny, "results", "results.json"))["tables"]["Tiny colour task"]
    check(abs(tables["DAP"]["Top-1"]["mean"] - metrics["top1"]) < 1e-9, "aggregated DAP Top-1 is the run's")
    check(abs(tables["baseline"]["Top-1"]["mean"] - baseline["top1"]) < 1e-9, "aggregated baseline Top-1")
    with open(os.path.join(tiny, "results", "results.md")) as f:
        markdown = f.read()
    check("| DAP |" in markdown and "| baseline |" in markdown, "results.md has both rows")

    # BatchNorm: a backbone trained from scratch learns its statistics (the demo's bright model);
    # a backbone from a weight file keeps them, trained or not.
    r21d = ["pretrain.backbone.kind=r2plus1d", "pretrain.backbone.r2plus1d.layers={1,1,1,1}",
            "pretrain.backbone.r2plus1d.widths={4,4,4,8}", "pretrain.backbone.r2plus1d.stem_mid_width=4",
            "pretrain.backbone.r2plus1d.stem_width=4", "pretrain.backbone.r2plus1d.variant=torchvision",
            "pretrain.backbone.r2plus1d.num_classes=0", "pretrain.backbone.r2plus1d.input_size=32",
            "pretrain.adapter.num_layers=4", "pretrain.adapter.input_widths={4,4,4,8}", "pretrain.adapter.num_frames=0",
            "finetune.init_adapter=none", "finetune.train_backbone=true", "finetune.optim.epochs=1"]
    run(2, "dap-finetune", work, "run.name=bn_scratch", *r21d)
    scratch_file = os.path.join(runs, "bn_scratch", "finetune", "split1-seed0", "model.pt")
    scratch = state(scratch_file)
    stats = sorted(k for k in scratch if k.startswith("model.backbone.") and k.endswith("running_var"))
    check(len(stats) >= 10, f"the R(2+1)D's BatchNorm statistics are in model.pt ({len(stats)})")
    check(all(not torch.equal(scratch[k], torch.ones_like(scratch[k])) for k in stats),
          "from scratch, every BatchNorm's running variance moved from its initial 1")
    run(2, "dap-finetune", work, "run.name=bn_pretrained", f"pretrain.backbone.weights={scratch_file}", *r21d)
    kept = state(os.path.join(runs, "bn_pretrained", "finetune", "split1-seed0", "model.pt"))
    check(all(torch.equal(kept[k], scratch[k]) for k in stats)
          and any(not torch.equal(kept[k], scratch[k]) for k in kept if k.startswith("model.backbone.") and "weight" in k),
          "from a weight file, the trained backbone keeps its BatchNorm statistics")

    # Config mistakes: every rank exits 2 naming the key.
    bad = run(2, "dap-finetune", work, "run.name=nothing_pretrained", expect=2)
    check("finetune.init_adapter" in bad.stderr, "a missing adapter names finetune.init_adapter")
    bad = run(2, "dap-evaluate", work, "evaluate.model=zeroshot", "finetune.head.kind=text",
              "finetune.head.text.encoder.embed_dim=32", expect=2)
    check("finetune.head.text.encoder.embed_dim" in bad.stderr, "a zero-shot width mismatch names the key")

    if problems:
        print(f"{len(problems)} problem(s); outputs kept in {work}")
        sys.exit(1)
    shutil.rmtree(work)
    print("all checks passed")


if __name__ == "__main__":
    main()
