"""PyTorch data sets over dap's shards (needs torch; the rest of dap_data does not).

ClipDataset: map-style, one item per video, views as dap's loader builds them
(same frames, mask and crop for the same seed and epoch). ShardStream: iterable,
whole shard files split over distributed ranks and DataLoader workers, for
sequential reads of large data sets. Both open HDF5 files lazily in each worker
process, after the fork."""
import numpy as np
import torch
import torch.distributed
import torch.utils.data

from .random import mix_seed
from .sampling import ViewSettings, epoch_permutation
from .shards import ShardSet


def _sample(shards, video, settings, seed, epoch):
    views = shards.views(video.clip, settings, seed, epoch)
    item = {"original": torch.from_numpy(views.original), "label": video.label, "clip": video.clip, "id": video.id}
    if settings.views == "all":
        item.update(enhanced=torch.from_numpy(views.enhanced), mixed=torch.from_numpy(views.mixed),
                    local=torch.from_numpy(views.local), mask=torch.tensor(views.mask, dtype=torch.uint8))
    return item


def _shard_set(data):
    return data if isinstance(data, ShardSet) else ShardSet(data)


class ClipDataset(torch.utils.data.Dataset):
    """The videos of shard folders (or those whose id is in `ids`), each item a dict:
    "original" float32 [T, 3, S, S] (with views="all" also "enhanced", "mixed",
    "local" [T, 3, s, s] and "mask"), "label", "clip", "id". Call set_epoch(e)
    before each epoch, as with DistributedSampler, for that epoch's draws."""

    def __init__(self, data, settings=None, seed=0, ids=None, labelled_only=False):
        self.shards = _shard_set(data)
        self.settings = settings or ViewSettings()
        self.seed, self.epoch = seed, 0
        wanted = None if ids is None else set(ids)
        self.videos = [v for v in self.shards.videos
                       if (wanted is None or v.id in wanted) and (not labelled_only or v.label >= 0)]

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.videos)

    def __getitem__(self, index):
        return _sample(self.shards, self.videos[index], self.settings, self.seed, self.epoch)


def _rank_and_world(rank, world):
    if rank is not None and world is not None:
        return rank, world
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class ShardStream(torch.utils.data.IterableDataset):
    """Whole shard files split over readers: reader k = rank * workers + worker of
    world * workers takes the shard files whose position in the epoch's order is
    k modulo their number (so no two readers open the same file), and yields their
    videos in a shuffled order (shuffle=False: stored order). rank and world
    default to torch.distributed's when it is initialised. Items as ClipDataset's.
    A reader gets no files when there are fewer shards than readers."""

    def __init__(self, data, settings=None, seed=0, rank=None, world=None, shuffle=True):
        self.shards = _shard_set(data)
        self.settings = settings or ViewSettings()
        self.seed, self.epoch, self.shuffle = seed, 0, shuffle
        self.rank, self.world = _rank_and_world(rank, world)
        self.files = list(dict.fromkeys(v.shard for v in self.shards.videos))  # in clip order

    def set_epoch(self, epoch):
        self.epoch = epoch

    def reader_files(self, worker=0, workers=1):
        """The shard files of reader (rank, worker) in this epoch."""
        order = epoch_permutation(len(self.files), self.seed, self.epoch) if self.shuffle else range(len(self.files))
        reader, readers = self.rank * workers + worker, self.world * workers
        return [self.files[p] for i, p in enumerate(order) if i % readers == reader]

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        files = set(self.reader_files(worker, workers))
        videos = [v for v in self.shards.videos if v.shard in files]
        if self.shuffle:
            reader_seed = mix_seed(self.seed, self.rank, worker)
            videos = [videos[p] for p in epoch_permutation(len(videos), reader_seed, self.epoch)]
        for video in videos:
            yield _sample(self.shards, video, self.settings, self.seed, self.epoch)
