#!/usr/bin/python3
"""dap-features writes a model's outputs to HDF5 equal to an independent
python3-torch implementation's: CLIP visual and text towers from a state dict
and from a TorchScript archive made like OpenAI's, the real R(2+1)D-34
architecture (random weights), and TimeSformer from a checkpoint in the released
layout (tiny sizes, read from the checkpoint)."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch

import dap_test_support as support

HERE = os.path.dirname(os.path.abspath(__file__))


def close(actual, expected):
    expected = expected.numpy() if isinstance(expected, torch.Tensor) else expected
    return np.abs(actual - expected).max() <= 1e-4 * np.abs(expected).max() + 1e-5


def main():
    tool = support.binary("dap-features")
    problems = []
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, os.path.join(HERE, "ref_clip.py"), work], check=True)
        subprocess.run([sys.executable, os.path.join(HERE, "ref_r2plus1d.py"), work, "r2plus1d_34"], check=True)
        reference = torch.load(os.path.join(work, "tiny_reference.pt"))
        runs = [
            ("clip-visual", "tiny_weights.pt", "clip", {"embedding": "embedding", "layer_cls": "layer_cls",
                                                        "patch_tokens": "patch_tokens"}),
            ("clip-visual", "tiny_jit.pt", "clip", {"embedding": "embedding"}),
            ("clip-text", "tiny_weights.pt", "tokens", {"text_features": "text_features"}),
        ]
        for model, weights, key, outputs in runs:
            out = os.path.join(work, "features.h5")
            result = subprocess.run([tool, "--model", model, "--weights", os.path.join(work, weights), "--input",
                                     os.path.join(work, "tiny_reference.pt"), "--input-key", key, "--heads", "2",
                                     "--output", out], capture_output=True, text=True)
            print(result.stdout, result.stderr)
            if result.returncode != 0:
                problems.append(f"{model} {weights}: exit {result.returncode}")
                continue
            with h5py.File(out, "r") as f:
                for name, ref_name in outputs.items():
                    ok = close(f[name][:], reference[ref_name])
                    print(f"{model:12s} {weights:14s} {name:14s} {'ok' if ok else 'MISMATCH'}")
                    if not ok:
                        problems.append(f"{model} {weights} {name}")
                if f.attrs["model"] != model or len(f.attrs["weights_sha256"]) != 64:
                    problems.append("attributes")

        io = torch.load(os.path.join(work, "r2plus1d_34_io.pt"))
        torch.save({"input": io["input"]}, os.path.join(work, "video.pt"))
        out = os.path.join(work, "r21d.h5")
        result = subprocess.run([tool, "--model", "r2plus1d", "--weights", os.path.join(work, "r2plus1d_34_weights.pt"),
                                 "--input", os.path.join(work, "video.pt"), "--output", out], capture_output=True, text=True)
        print(result.stdout, result.stderr)
        if result.returncode != 0:
            problems.append(f"r2plus1d: exit {result.returncode}")
        else:
            with h5py.File(out, "r") as f:
                pairs = [("logits", "logits"), ("last_feature_map", "last_feature_map")] + \
                        [(f"stage{i + 1}_features", f"stage.{i}") for i in range(4)]
                for name, ref_name in pairs:
                    ok = close(f[name][:], io[ref_name])
                    print(f"r2plus1d-34  {name:18s} {'ok' if ok else 'MISMATCH'}")
                    if not ok:
                        problems.append(f"r2plus1d {name}")

        subprocess.run([sys.executable, os.path.join(HERE, "ref_timesformer.py"), work, "tiny"], check=True)
        io = torch.load(os.path.join(work, "tiny_io.pt"))
        torch.save({"input": io["input"]}, os.path.join(work, "timesformer_clip.pt"))
        out = os.path.join(work, "timesformer.h5")
        result = subprocess.run([tool, "--model", "timesformer", "--weights", os.path.join(work, "tiny_weights.pyth"),
                                 "--input", os.path.join(work, "timesformer_clip.pt"), "--heads", "4", "--output", out],
                                capture_output=True, text=True)
        print(result.stdout, result.stderr)
        if result.returncode != 0:
            problems.append(f"timesformer: exit {result.returncode}")
        else:
            with h5py.File(out, "r") as f:
                layers = torch.stack([io[f"layer.{i}"] for i in range(3)])
                for name, expected in (("logits", io["logits"]), ("features", io["features"]),
                                       ("layer_features", layers)):
                    ok = close(f[name][:], expected)
                    print(f"timesformer  {name:18s} {'ok' if ok else 'MISMATCH'}")
                    if not ok:
                        problems.append(f"timesformer {name}")
    print("FAILED" if problems else "OK", problems)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
