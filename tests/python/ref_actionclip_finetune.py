#!/usr/bin/python3
"""Independent python3-torch reference for dap-finetune's ActionCLIP pieces,
written from ActionCLIP's released training code (github.com/sallymmx/ActionCLIP:
utils/KLLoss.py, train.py, utils/solver.py): the symmetric KL loss between the
batch's video-text logits and its same-label matrix, AdamW with betas (0.9, 0.98),
eps 1e-8 and weight decay on the weight matrices only (dap's default) or on every
parameter (ActionCLIP's), and test.py's template ensemble.

usage: ref_actionclip_finetune.py OUT_DIR
writes OUT_DIR/inputs.pt and OUT_DIR/expected.pt (torch.save state dicts)."""
import os
import sys

import warnings

import numpy as np
import torch
import torch.nn.functional as F


def gen_label(labels):
    """ActionCLIP's utils/tools.py gen_label: 1 where two clips share a label."""
    num = len(labels)
    gt = np.zeros(shape=(num, num))
    for i, label in enumerate(labels):
        for k in range(num):
            if labels[k] == label:
                gt[i, k] = 1
    return gt


def kl_loss(prediction, label):
    """ActionCLIP's KLLoss: KLDivLoss(size_average=True, reduce=True), i.e. the mean over
    all entries, times the batch size; target softmax(label * 10)."""
    batch_size = prediction.shape[0]
    probs1 = F.log_softmax(prediction, 1)
    probs2 = F.softmax(label * 10, 1)
    return F.kl_div(probs1, probs2, reduction="mean") * batch_size


def main():
    # KLDivLoss's "mean" is what ActionCLIP relies on; torch warns that it may change.
    warnings.filterwarnings("ignore", message="reduction: 'mean'")
    out = sys.argv[1]
    torch.manual_seed(5)
    inputs, expected = {}, {}

    # The loss of train.py: (loss_imgs + loss_texts) / 2 over logits_per_image and its transpose.
    labels = torch.tensor([2, 0, 2, 1, 0, 2])
    logits_per_image = 100.0 * torch.nn.functional.normalize(torch.randn(6, 8), dim=1) @ \
        torch.nn.functional.normalize(torch.randn(6, 8), dim=1).t()
    ground_truth = torch.tensor(gen_label(labels.tolist()), dtype=logits_per_image.dtype)
    loss = (kl_loss(logits_per_image, ground_truth) + kl_loss(logits_per_image.t(), ground_truth)) / 2
    inputs.update(pair_logits=logits_per_image, labels=labels)
    expected["actionclip_loss"] = loss.reshape(1)

    # utils/solver.py's AdamW: betas (0.9, 0.98), eps 1e-8; dap decays weight matrices only.
    module = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.LayerNorm(4))
    for name, p in module.named_parameters():
        inputs["adamw." + name] = p.detach().clone()
    decayed = [p for n, p in module.named_parameters() if not (n.endswith(".bias") or p.dim() == 1)]
    not_decayed = [p for n, p in module.named_parameters() if n.endswith(".bias") or p.dim() == 1]
    optimizer = torch.optim.AdamW([{"params": decayed}, {"params": not_decayed, "weight_decay": 0.0}],
                                  lr=1e-2, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.2)
    for step in range(3):
        for name, p in module.named_parameters():
            p.grad = torch.randn_like(p)
            inputs[f"adamw_grad{step}.{name}"] = p.grad.clone()
        optimizer.step()
    for name, p in module.named_parameters():
        expected["adamw." + name] = p.detach().clone()

    # ActionCLIP's solver.py applies the weight decay to every parameter (dap's decay_all_parameters).
    module_all = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.LayerNorm(4))
    with torch.no_grad():
        for name, p in module_all.named_parameters():
            p.copy_(inputs["adamw." + name])
    optimizer = torch.optim.AdamW(module_all.parameters(), lr=1e-2, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.2)
    for step in range(3):
        for name, p in module_all.named_parameters():
            p.grad = inputs[f"adamw_grad{step}.{name}"].clone()
        optimizer.step()
    for name, p in module_all.named_parameters():
        expected["adamw_all." + name] = p.detach().clone()

    # test.py's validate: text features of every (template, class) pair, template-major
    # (row k * C + c), similarity = 100 x normalised image @ text.T, viewed [b, K, C],
    # softmax over the classes, mean over the K templates.
    b, num_templates, classes, dim = 4, 3, 5, 8
    image_features = torch.randn(b, dim)
    text_features = F.normalize(torch.randn(num_templates * classes, dim), dim=-1)
    image_normalised = image_features / image_features.norm(dim=-1, keepdim=True)
    similarity = (100.0 * image_normalised @ text_features.T)
    similarity = similarity.view(b, num_templates, -1).softmax(dim=-1).mean(dim=1)
    inputs["video_embedding"] = image_features
    inputs["template_embeddings"] = text_features.view(num_templates, classes, dim).permute(1, 0, 2).contiguous()
    expected["template_ensemble"] = similarity

    os.makedirs(out, exist_ok=True)
    torch.save(inputs, os.path.join(out, "inputs.pt"))
    torch.save(expected, os.path.join(out, "expected.pt"))


if __name__ == "__main__":
    main()
