#!/usr/bin/python3
"""Independent python3-torch reference for the self-distillation pieces of
dap-pretrain, written from DINO's algorithm (facebookresearch/dino main_dino.py
and utils.py): the loss with centring over teacher views {o,e,m} and student
views {o,e,m,l}, the centre update, cosine_scheduler, clip_gradients, AdamW
with DINO's two parameter groups and per-step lr / weight decay, and the EMA
teacher update.

usage: ref_dino_training.py OUT_DIR
writes OUT_DIR/inputs.pt and OUT_DIR/expected.pt (torch.save state dicts)."""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

B, K = 3, 7
STUDENT_VIEWS, TEACHER_VIEWS = 4, 3
STUDENT_TEMP, TEACHER_TEMP, CENTER_MOMENTUM = 0.1, 0.04, 0.9


def dino_loss(student, teacher, center):
    student_out = (student / STUDENT_TEMP).chunk(STUDENT_VIEWS)
    teacher_out = F.softmax((teacher - center) / TEACHER_TEMP, dim=-1).detach().chunk(TEACHER_VIEWS)
    total, pairs = 0.0, 0
    for iq, q in enumerate(teacher_out):
        for v in range(len(student_out)):
            if v == iq:
                continue
            total = total + torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1).mean()
            pairs += 1
    return total / pairs


def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0, start_warmup_value=0):
    warmup_schedule = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_epochs > 0:
        warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = final_value + 0.5 * (base_value - final_value) * (1 + np.cos(np.pi * iters / len(iters)))
    return np.concatenate((warmup_schedule, schedule))


def clip_gradients(parameters, clip):
    for p in parameters:
        if p.grad is not None:
            clip_coef = clip / (p.grad.data.norm(2).item() + 1e-6)
            if clip_coef < 1:
                p.grad.data.mul_(clip_coef)


def main():
    out = sys.argv[1]
    torch.manual_seed(7)
    inputs, expected = {}, {}

    # Loss and centre.
    student = torch.randn(STUDENT_VIEWS * B, K) * 3
    teacher = torch.randn(TEACHER_VIEWS * B, K) * 3
    center = torch.randn(1, K) * 0.1
    inputs.update(student=student, teacher=teacher, center=center)
    expected["loss"] = dino_loss(student, teacher, center).reshape(1)
    expected["center"] = center * CENTER_MOMENTUM + teacher.sum(0, keepdim=True) / len(teacher) * (1 - CENTER_MOMENTUM)

    # Schedules: lr with 2 warm-up epochs, momentum 0.996 -> 1.
    expected["lr_schedule"] = torch.tensor(cosine_scheduler(5e-4, 1e-6, 5, 3, warmup_epochs=2))
    expected["momentum_schedule"] = torch.tensor(cosine_scheduler(0.996, 1.0, 5, 3))

    # Per-parameter clipping: one gradient above the limit, one below.
    big, small = torch.randn(4, 5) * 10, torch.randn(6) * 0.01
    inputs.update(clip_big=big, clip_small=small)
    params = [torch.nn.Parameter(torch.zeros_like(big)), torch.nn.Parameter(torch.zeros_like(small))]
    params[0].grad, params[1].grad = big.clone(), small.clone()
    clip_gradients(params, 3.0)
    expected["clipped_big"], expected["clipped_small"] = params[0].grad, params[1].grad

    # AdamW with DINO's groups (weights decayed; biases and 1-D parameters not), two steps.
    module = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.LayerNorm(4))
    for name, p in module.named_parameters():
        inputs["adamw." + name] = p.detach().clone()
    regularized = [p for n, p in module.named_parameters() if not (n.endswith(".bias") or p.dim() == 1)]
    not_regularized = [p for n, p in module.named_parameters() if n.endswith(".bias") or p.dim() == 1]
    optimizer = torch.optim.AdamW([{"params": regularized}, {"params": not_regularized, "weight_decay": 0.0}])
    for step, (lr, wd) in enumerate([(1e-2, 0.04), (5e-3, 0.3)]):
        for i, group in enumerate(optimizer.param_groups):
            group["lr"] = lr
            if i == 0:
                group["weight_decay"] = wd
        for name, p in module.named_parameters():
            p.grad = torch.randn_like(p)
            inputs[f"adamw_grad{step}.{name}"] = p.grad.clone()
        optimizer.step()
    for name, p in module.named_parameters():
        expected["adamw." + name] = p.detach().clone()

    # EMA teacher.
    teacher_w, student_w = torch.randn(3, 4), torch.randn(3, 4)
    inputs.update(ema_teacher=teacher_w, ema_student=student_w)
    expected["ema"] = teacher_w * 0.996 + student_w * (1 - 0.996)

    os.makedirs(out, exist_ok=True)
    torch.save(inputs, os.path.join(out, "inputs.pt"))
    torch.save({k: v.float() if v.dtype == torch.float64 and "schedule" not in k else v for k, v in expected.items()},
               os.path.join(out, "expected.pt"))


if __name__ == "__main__":
    main()
