"""Reading dap's preprocessed data sets: index.json and the HDF5 shards beside it
(docs/SHARD_FORMAT.md). Only the formats and versions below are read; anything
else is refused, naming what was found."""
import json
import os
from dataclasses import dataclass

import h5py
import numpy as np

from .sampling import build_views, clip_view_seed

INDEX_FORMAT, INDEX_FORMAT_VERSION = "dap-shard-index", 1
SHARD_FORMAT, SHARD_FORMAT_VERSION = "dap-shard", 1


class FormatError(ValueError):
    """A file that is not a dap shard index or shard of a version this reader knows."""


@dataclass(frozen=True)
class Video:
    """One preprocessed video. `clip` is its index in the ShardSet (the C++
    stages' clip index: index order, folder after folder); `offset` the
    position of its first frame in the shard's `frames`."""
    clip: int
    id: str
    label: int
    class_name: str  # "" when unlabeled
    domain: str      # "" when the manifest gave none
    split: str
    frames: int
    folder: str
    shard: str       # path of the shard file
    offset: int


def _check(found_format, found_version, want_format, want_version, path):
    if found_format != want_format or found_version != want_version:
        raise FormatError(f"'{path}' has format \"{found_format}\" version {found_version}; this reader knows only "
                          f"\"{want_format}\" version {want_version}")


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


class ShardFolder:
    """One dap-preprocess output folder: its index.json, checked, and its videos."""

    def __init__(self, folder):
        self.folder = folder
        path = os.path.join(folder, "index.json")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no shard index at '{path}' (run dap-preprocess first)")
        with open(path) as f:
            index = json.load(f)
        _check(index.get("format", "(none)"), index.get("format_version", -1), INDEX_FORMAT, INDEX_FORMAT_VERSION,
               path)
        _check(index.get("shard_format", "(none)"), index.get("shard_format_version", -1), SHARD_FORMAT,
               SHARD_FORMAT_VERSION, path + " (its shards)")
        self.index = index
        self.height, self.width = index["height"], index["width"]
        self.class_names = list(index["class_names"])
        self.failures = list(index["failures"])

    def shard_paths(self):
        return [os.path.join(self.folder, s["file"]) for s in self.index["shards"]]

    def videos(self, first_clip=0):
        """Every video, in index order; offsets are read from the shards (one small read each)."""
        out = []
        for shard in self.index["shards"]:
            path = os.path.join(self.folder, shard["file"])
            with h5py.File(path, "r") as f:
                check_shard(f, path)
                offsets = f["video_offsets"][:]
                labels = f["labels"][:]
                ids = [_text(v) for v in f["video_ids"][:]]
            if ids != shard["video_ids"]:
                raise FormatError(f"shard '{path}' does not match the index.json of '{self.folder}' "
                                  "(video ids differ; was the folder rewritten?)")
            domains = shard.get("domains", [""] * len(ids))
            splits = shard.get("splits", [""] * len(ids))
            for v, vid in enumerate(ids):
                label = int(labels[v])
                name = self.class_names[label] if 0 <= label < len(self.class_names) else ""
                out.append(Video(first_clip + len(out), vid, label, name, domains[v], splits[v],
                                 int(offsets[v + 1] - offsets[v]), self.folder, path, int(offsets[v])))
        return out


def check_shard(f, path):
    """Refuses an open h5py.File that is not a dap shard of a known version."""
    _check(_text(f.attrs.get("format", "(none)")), int(f.attrs.get("format_version", -1)), SHARD_FORMAT,
           SHARD_FORMAT_VERSION, path)


class ShardSet:
    """Every video of one or more shard folders, as the C++ stages see them:
    clip i is the i-th video in index order, folder after folder.

    Files open lazily and are reopened in a new process (after a DataLoader's
    fork), so one ShardSet can be handed to loader workers."""

    def __init__(self, folders):
        if isinstance(folders, (str, os.PathLike)):
            folders = [folders]
        if not folders:
            raise ValueError("no shard folders given")
        self.folders = [ShardFolder(os.fspath(f)) for f in folders]
        first = self.folders[0]
        for other in self.folders[1:]:
            if (other.height, other.width) != (first.height, first.width):
                raise ValueError(f"shard folders '{first.folder}' ({first.height}x{first.width}) and "
                                 f"'{other.folder}' ({other.height}x{other.width}) have different frame sizes")
        self.height, self.width = first.height, first.width
        self.class_names = first.class_names
        self.videos = []
        for folder in self.folders:
            self.videos += folder.videos(first_clip=len(self.videos))
        self._by_id = {v.id: v for v in self.videos}
        self._files, self._pid = {}, None

    def __len__(self):
        return len(self.videos)

    def video(self, key):
        """A Video by clip index or id."""
        if isinstance(key, str):
            if key not in self._by_id:
                raise KeyError(f"no video '{key}' in {[f.folder for f in self.folders]}")
            return self._by_id[key]
        return self.videos[key]

    def _file(self, path):
        if self._pid != os.getpid():  # a forked worker must not share the parent's HDF5 handles
            self._files, self._pid = {}, os.getpid()
        if path not in self._files:
            f = h5py.File(path, "r")
            check_shard(f, path)
            self._files[path] = f
        return self._files[path]

    def read(self, key, frames=None, enhanced=False):
        """uint8 [len(frames), H, W, 3]: stored frames `frames` (all when None) of a
        video, original or SCI-enhanced."""
        v = self.video(key)
        data = self._file(v.shard)["frames_enhanced" if enhanced else "frames"]
        if frames is None:
            return data[v.offset:v.offset + v.frames]
        frames = np.asarray(frames, np.int64)
        if frames.size and (frames.min() < 0 or frames.max() >= v.frames):
            raise IndexError(f"frames {frames.tolist()} outside the {v.frames} stored frames of '{v.id}'")
        unique, inverse = np.unique(frames, return_inverse=True)  # h5py reads increasing indices, once each
        return data[(v.offset + unique).tolist()][inverse] if unique.size else data[0:0]

    def views(self, key, settings, seed, epoch=0):
        """The views dap's loader builds for this video in `epoch` of a run seeded
        `seed` (pretrain.seed / finetune.seed): a sampling.ClipViews."""
        v = self.video(key)
        return build_views(lambda frames, enhanced: self.read(v.clip, frames, enhanced), v.frames, self.height,
                           self.width, settings, clip_view_seed(seed, epoch, v.clip))

    def close(self):
        for f in self._files.values():
            f.close()
        self._files = {}

    def __getstate__(self):  # open files do not pickle (spawned workers); they reopen lazily
        state = dict(self.__dict__)
        state["_files"], state["_pid"] = {}, None
        return state
