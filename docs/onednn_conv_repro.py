#!/usr/bin/python3
"""Minimal reproducer of the oneDNN convolution defect described in docs/ONEDNN_CONV.md.

One Conv3d (or Conv2d) in float32 against the same convolution in float64, for input
channel counts 1..80. Run it with a libtorch 2.6 python3-torch (Debian 13) on a CPU
with AVX-512:   python3 docs/onednn_conv_repro.py
Expected on an affected system: every channel count above 16 that is not a multiple of
16 is listed as wrong (relative error 0.2-0.5, or NaN); with ONEDNN_MAX_CPU_ISA=AVX2 in
the environment, or torch.backends.mkldnn.enabled = False, none is. The last lines show
the workaround dap uses (zero channels appended up to a multiple of 16) on the same input.
"""
import torch
import torch.nn.functional as F

torch.manual_seed(0)


def relative_error(out, reference):
    return ((out.double() - reference).abs().max() / reference.abs().max()).item()


def wrong_channel_counts(dims):
    wrong = []
    for channels in range(1, 81):
        x = torch.randn([2, channels] + [4, 8, 8][3 - dims:])
        w = torch.randn([16, channels] + [1, 3, 3][3 - dims:])
        conv = F.conv3d if dims == 3 else F.conv2d
        padding = (0, 1, 1) if dims == 3 else (1, 1)
        error = relative_error(conv(x, w, padding=padding), conv(x.double(), w.double(), padding=padding))
        if not error < 1e-5:  # NaN counts as wrong
            wrong.append((channels, round(error, 3)))
    return wrong


print("torch", torch.__version__, "| oneDNN enabled:", torch.backends.mkldnn.enabled)
print("Conv3d, wrong for input channels:", wrong_channel_counts(3))
print("Conv2d, wrong for input channels:", wrong_channel_counts(2))

x, w = torch.randn(2, 24, 4, 8, 8), torch.randn(16, 24, 1, 3, 3)
reference = F.conv3d(x.double(), w.double(), padding=(0, 1, 1))
plain = F.conv3d(x, w, padding=(0, 1, 1))
padded = F.conv3d(F.pad(x, (0, 0, 0, 0, 0, 0, 0, 8)), F.pad(w, (0, 0, 0, 0, 0, 0, 0, 8)), padding=(0, 1, 1))
print("24 channels: plain %.3g, padded to 32 channels %.3g" % (relative_error(plain, reference),
                                                             relative_error(padded, reference)))
