# Train a PyTorch model on dap's shards: python3 train_on_shards.py SHARD_FOLDER
import sys

import torch
from dap_data import ViewSettings
from dap_data.torch_data import ClipDataset

data = ClipDataset(sys.argv[1], ViewSettings(num_frames=4, size=32, views="original"), labelled_only=True)
loader = torch.utils.data.DataLoader(data, batch_size=8, shuffle=True, num_workers=2)  # HDF5 opens per worker
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 3 * 32 * 32, len(data.shards.class_names)))
optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
for epoch in range(3):
    data.set_epoch(epoch)  # a new frame draw per epoch, as dap's loader
    for batch in loader:
        loss = torch.nn.functional.cross_entropy(model(batch["original"]), batch["label"])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}")
