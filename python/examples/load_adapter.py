# Run dap's exports on a backbone's features: python3 load_adapter.py ADAPTER_PT MODEL_PT
import sys

import torch
from dap_data.exports import load_adapter, load_classifier

adapter = load_adapter(sys.argv[1])  # dap-pretrain's adapter.pt: the teacher's adaptation block
classifier = load_classifier(sys.argv[2])  # dap-finetune's model.pt: adapter + head, without the backbone
width, layers = adapter.pab.prompts.shape[1], len(adapter.pab.steps)
features = [torch.randn(2, adapter.pab.num_frames, width) for _ in range(layers)]  # per-layer CLS tokens [B, T, D]
with torch.no_grad():
    video_features = adapter(features)  # [2, D]
    scores = classifier(features)  # [2, classes]
print(video_features.shape, [classifier.class_names[c] for c in scores.argmax(1)])
