# Read a dap-preprocess folder: python3 read_clips.py SHARD_FOLDER [SHARD_FOLDER...]
import sys

from dap_data import ShardSet, ViewSettings

data = ShardSet(sys.argv[1:])  # clip i is the stages' clip i: index order, folder after folder
for video in data.videos[:3]:
    print(video.id, video.class_name, video.domain, video.split, video.frames, "frames in", video.shard)
first = data.videos[0].id
clip, bright = data.read(first), data.read(first, enhanced=True)  # uint8 [frames, H, W, 3]: original, SCI
views = data.views(first, ViewSettings(num_frames=4, size=32, local_size=16, patch_size=8), seed=0, epoch=0)
print(clip.shape, bright.shape, views.original.shape, views.frames)  # what dap-pretrain's loader builds
