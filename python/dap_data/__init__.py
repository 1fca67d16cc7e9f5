"""dap_data: dap's preprocessed HDF5 data sets and exported weights from Python.

  ShardSet(folders)           the videos of dap-preprocess output folders; read(id) frames, views(...)
  ViewSettings, build_views   dap's loader sampling in numpy (same draws for the same seed);
                              AugmentSettings: fine-tuning's augmentation (finetune.augment)
  dap_data.torch_data         ClipDataset, ShardStream (torch.utils.data)
  dap_data.modules            the adaptation block, DINO head and classifier head as torch modules
  dap_data.exports            load_adapter / load_classifier for adapter.pt and model.pt

Depends on numpy and h5py; torch only for torch_data, modules and exports."""
from .sampling import (AugmentSettings, ClipViews, ViewSettings, build_views, clip_view_seed, epoch_permutation,
                       rank_batch)
from .shards import FormatError, ShardFolder, ShardSet, Video

__version__ = "1.0.0"
__all__ = ["AugmentSettings", "ClipViews", "FormatError", "ShardFolder", "ShardSet", "Video", "ViewSettings",
           "build_views", "clip_view_seed", "epoch_permutation", "rank_batch"]
