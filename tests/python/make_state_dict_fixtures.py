#!/usr/bin/python3
"""Writes torch.save fixtures for tests/torch/torch_checkpoint_test.cpp.

Usage: make_state_dict_fixtures.py OUT_DIR

Saves, with the system python3-torch, the kinds of state dict that the C++
reader must handle, plus OUT_DIR/expected.json describing every tensor the
reader should return (flattened key -> dtype, shape, stride, storage offset,
storage group, values in row-major order). Values are exact in JSON: floats are
written as float64 reprs (every float16/bfloat16/float32 value is a float64).
"""
import collections
import json
import os
import sys

import torch

from cuda_saved import save_with_cuda_location


class NotATensor:
    """A pickled custom class: the C++ reader must refuse it by name."""

    def __init__(self):
        self.payload = 42


def describe(state):
    """Expected reader output for a (possibly nested) dict of tensors."""
    out = {}

    def walk(prefix, obj):
        for key, value in obj.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, torch.Tensor):
                t = value.detach()
                values = t.double().flatten().tolist() if t.is_floating_point() else t.long().flatten().tolist()
                out[name] = {
                    "dtype": str(t.dtype).replace("torch.", ""),
                    "shape": list(t.shape),
                    "stride": list(t.stride()),
                    "storage_offset": t.storage_offset(),
                    "storage": t.storage().data_ptr(),  # equal ids <=> one shared storage
                    "values": values,
                }
            elif isinstance(value, dict):
                walk(name, value)

    walk("", state)
    return out


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)

    plain = collections.OrderedDict(
        f32=torch.randn(2, 3),
        f64=torch.randn(4, dtype=torch.float64),
        f16=torch.randn(3, 2).half(),
        bf16=torch.randn(5).bfloat16(),
        i64=torch.tensor([-(2**62) - 3, -1, 0, 7, 2**53 + 1]),
        i32=torch.tensor([-(2**31), 2**31 - 1], dtype=torch.int32),
        i16=torch.tensor([-300, 300], dtype=torch.int16),
        i8=torch.tensor([-128, 127], dtype=torch.int8),
        u8=torch.arange(0, 256, 37, dtype=torch.uint8),
        flags=torch.tensor([True, False, True]),
        scalar=torch.tensor(2.5),
        empty=torch.zeros(0, 3),
    )

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    pair = torch.randn(2, 3)
    views = {
        "base": base,
        "transposed": base.t(),           # stride (1, 6)
        "every_other": base[:, ::2],      # stride (6, 2)
        "window": base[1:3, 2:5],         # storage offset 8
        "shared_a": pair[0],              # two tensors, one storage
        "shared_b": pair[1],
    }

    nested = {
        "epoch": 7,
        "lr": 0.1,
        "arch": "resnet",
        "history": [1, 2, 3],
        "nothing": None,
        "state_dict": {"layer.weight": torch.randn(2, 2), "layer.bias": torch.randn(2)},
        "model": {"sub": {"w": torch.randn(3)}},
    }

    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Linear(4, 2))
    module_state = module.state_dict()  # OrderedDict with _metadata (BUILD opcode)
    params = {"weight": torch.nn.Parameter(torch.randn(2, 2)), "frozen": torch.nn.Parameter(torch.randn(3), False)}

    cuda = {"conv.weight": torch.randn(2, 3, 3, 3), "conv.bias": torch.randn(2), "steps": torch.tensor(5)}

    fixtures = {
        "plain.pt": plain,
        "plain_protocol4.pt": plain,
        "views.pt": views,
        "nested.pt": nested,
        "module.pt": module_state,
        "parameters.pt": params,
        "cuda.pt": cuda,
    }
    expected = {}
    for name, obj in fixtures.items():
        path = os.path.join(out_dir, name)
        if name == "cuda.pt":
            save_with_cuda_location(obj, path)
        elif name == "plain_protocol4.pt":
            torch.save(obj, path, pickle_protocol=4)
        else:
            torch.save(obj, path)
        expected[name] = describe(obj)

    torch.save({"w": torch.ones(1), "obj": NotATensor()}, os.path.join(out_dir, "custom_class.pt"))

    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
