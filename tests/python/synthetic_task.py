"""A small labelled video task whose answer is known: the class is the colour
of the top-left quadrant (red, green, blue, yellow), the rest of each frame is
noise that changes every frame. Videos are encoded losslessly (FFV1) through
the ffmpeg command line, so dap-preprocess decodes real files."""
import csv
import os
import subprocess

import numpy as np

CLASSES = ["red", "green", "blue", "yellow"]
COLOURS = np.array([[220, 40, 40], [40, 200, 40], [50, 60, 230], [230, 220, 40]], dtype=np.float64)
SIZE = 32
FRAMES = 8


def clip_frames(label, rng, size=SIZE):
    """[FRAMES, size, size, 3] uint8: noise everywhere, the class colour in the top-left quadrant."""
    frames = rng.normal(128, 40, size=(FRAMES, size, size, 3))
    half = size // 2
    brightness = rng.uniform(0.6, 1.0)
    colour = COLOURS[label] * brightness
    frames[:, :half, :half, :] = colour + rng.normal(0, 12, size=(FRAMES, half, half, 3))
    return np.clip(frames, 0, 255).astype(np.uint8)


def encode(frames, path):
    size = frames.shape[1]
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s",
                    f"{size}x{size}", "-r", "8", "-i", "-", "-c:v", "ffv1", "-pix_fmt", "bgr0", path],
                   input=frames.tobytes(), check=True)


def make_task(root, train_per_class=12, test_per_class=6, seed=0, size=SIZE):
    """Writes root/videos/*.mkv, root/manifest.csv (all videos) and the split
    lists root/split1_train.csv, root/split1_test.csv. Returns the class names."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(root, "videos"), exist_ok=True)
    rows = {"train": [], "test": []}
    for split, per_class in (("train", train_per_class), ("test", test_per_class)):
        for label in range(len(CLASSES)):
            for k in range(per_class):
                vid = f"{split}_{CLASSES[label]}_{k:02d}"
                encode(clip_frames(label, rng, size), os.path.join(root, "videos", vid + ".mkv"))
                rows[split].append({"path": vid + ".mkv", "label": label, "domain": "synthetic", "split": split,
                                    "id": vid})
    fields = ["path", "label", "domain", "split", "id"]
    for name, data in (("manifest.csv", rows["train"] + rows["test"]), ("split1_train.csv", rows["train"]),
                       ("split1_test.csv", rows["test"])):
        with open(os.path.join(root, name), "w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=fields)
            writer.writeheader()
            writer.writerows(data)
    return CLASSES
