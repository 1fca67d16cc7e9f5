#!/usr/bin/python3
"""dap-preprocess on 2 MPI ranks over real clips and broken files, checked
independently: shards read with h5py and h5dump, every stored frame compared
with the ffmpeg command line's own decode, every enhanced frame with the
Python SCI reference, and the union over ranks equal to the manifest minus the
recorded failures."""
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

import dap_test_support as support

H, W, T = 48, 64, 6


def ffmpeg_frames(path):
    """Every frame in presentation order, scaled like dap's stretch mode (bilinear), autorotated."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", f"scale={W}:{H}:flags=bilinear",
                          "-fps_mode", "passthrough", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, H, W, 3)


def uniform_indices(count, n):
    return [((2 * i + 1) * count) // (2 * n) for i in range(n)]


def sci_reference(frames, work):
    raw_in, raw_out = os.path.join(work, "in.raw"), os.path.join(work, "out.raw")
    frames.tofile(raw_in)
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "sci_reference.py"),
                    os.path.join(support.ASSETS, "sci", "easy.pt"), raw_in, raw_out, str(len(frames)), str(H), str(W)],
                   check=True)
    return np.fromfile(raw_out, np.uint8).reshape(frames.shape)


def main():
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)
            print("FAIL:", message)

    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "videos")
        good, bad = support.make_video_collection(data)
        manifest = os.path.join(work, "manifest.csv")
        support.write_manifest(manifest, good + bad)
        out = os.path.join(work, "shards")
        result = support.mpirun(2, "dap-preprocess", [
            "--config", "lua/preprocess_demo.lua",
            f"preprocess.data.root={data}", f"preprocess.data.manifest={manifest}",
            f"preprocess.output.dir={out}", f"run.root={work}/runs",
            "preprocess.resize.mode=stretch", f"preprocess.resize.height={H}", f"preprocess.resize.width={W}",
            f"preprocess.sampling.num_frames={T}", "preprocess.output.videos_per_shard=2",
            "preprocess.max_failure_fraction=0.5"])
        print(result.stderr[-3000:])
        check(result.returncode == 0, f"dap-preprocess exited {result.returncode}")

        index = json.load(open(os.path.join(out, "index.json")))
        failed = {f["id"]: f["reason"] for f in index["failures"]}
        check(set(failed) == {v for _, _, v in bad}, f"failures {sorted(failed)} != broken files")
        check(all(reason for reason in failed.values()), "every failure has a reason")

        # Union over ranks: each good video exactly once, shards from both ranks.
        stored = {}
        for shard in index["shards"]:
            path = os.path.join(out, shard["file"])
            check(hashlib.sha256(open(path, "rb").read()).hexdigest() == shard["sha256"], f"checksum of {path}")
            with h5py.File(path, "r") as f:
                check(f.attrs["format"] == "dap-shard" and f.attrs["format_version"] == 1, "format attributes")
                check(f.attrs["enhancer"] == "sci" and len(f.attrs["enhancer_weights_sha256"]) == 64, "enhancer attrs")
                check("dap" in f.attrs["producer"] and "preprocess" in f.attrs["config"], "producer/config attrs")
                offsets = f["video_offsets"][:]
                for v, vid in enumerate(f["video_ids"].asstr()[:]):
                    check(vid not in stored, f"{vid} stored twice")
                    a, b = offsets[v], offsets[v + 1]
                    stored[vid] = dict(label=int(f["labels"][v]), frames=f["frames"][a:b],
                                       enhanced=f["frames_enhanced"][a:b], indices=f["source_frame_indices"][a:b],
                                       fps=float(f["source_fps"][v]))
        check(set(stored) == {v for _, _, v in good}, f"stored {sorted(stored)} != good videos")
        check(len({s["file"].split("-r")[1][:3] for s in index["shards"]}) == 2, "both ranks wrote shards")
        check(index["num_videos"] == len(good) and index["manifest_videos"] == len(good) + len(bad), "index counts")

        # Frame by frame against the ffmpeg CLI's decode, and SCI against the Python reference.
        label_of = {v: label for _, label, v in good}
        for relpath, _, vid in good:
            video = stored.get(vid)
            if video is None:
                continue
            reference = ffmpeg_frames(os.path.join(data, relpath))
            expected = uniform_indices(len(reference), T)
            check(list(video["indices"]) == expected, f"{vid}: indices {list(video['indices'])} != {expected}")
            check(video["label"] == label_of[vid], f"{vid}: label")
            check(video["frames"].shape == (T, H, W, 3), f"{vid}: shape {video['frames'].shape}")
            diff = np.abs(video["frames"].astype(int) - reference[expected].astype(int))
            close = (diff <= 2).mean()
            print(f"{vid:24s} frames {len(reference):4d}  mean|diff| {diff.mean():.3f}  within 2 LSB {close:.4f}")
            if vid == "video_90":
                # dap scales, then rotates; ffmpeg rotates, then scales: same picture, different rounding.
                check(diff.mean() < 1.0 and close > 0.9, f"{vid}: rotated frames differ from ffmpeg's decode")
            else:
                # Same frames through the same scaler: identical.
                check(diff.max() == 0, f"{vid}: stored frames differ from ffmpeg's decode (max {diff.max()})")
            sci = sci_reference(video["frames"], work)
            within = (np.abs(sci.astype(int) - video["enhanced"].astype(int)) <= 1).mean()
            check(within >= 0.9999, f"{vid}: enhanced frames vs Python SCI reference: {within:.6f} within 1 LSB")

        # h5dump reads a shard without plugins.
        shard = os.path.join(out, index["shards"][0]["file"])
        dump = subprocess.run(["h5dump", "-a", "format", shard], capture_output=True, text=True)
        check(dump.returncode == 0 and "dap-shard" in dump.stdout, "h5dump reads the format attribute")
        dump = subprocess.run(["h5dump", "-d", "frames_enhanced", "-c", "1,1,1,3", shard], capture_output=True, text=True)
        check(dump.returncode == 0, "h5dump reads compressed frames: " + dump.stderr[-300:])
        check(not glob.glob(os.path.join(out, "*.tmp")), "no temporary files left")

    print("FAILED" if failures else "OK", len(failures), "problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
