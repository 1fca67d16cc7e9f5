"""torch.save with every storage tagged 'cuda:0', without a GPU: checkpoints
like the real ones researchers have (SCI, IG65M) for the loader tests."""
import zipfile

import torch


def save_with_cuda_location(obj, path):
    """torch.save as if the tensors lived on cuda:0 (no GPU needed)."""
    original = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(obj, path)
    finally:
        torch.serialization.location_tag = original
    with zipfile.ZipFile(path) as archive:
        pickle = next(archive.read(n) for n in archive.namelist() if n.endswith("/data.pkl"))
    assert b"cuda:0" in pickle and b"cpu" not in pickle, "location_tag monkeypatch had no effect"
