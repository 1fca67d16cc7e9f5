"""Shared helpers for the Python end-to-end tests (not a test itself).

Paths come from ctest's environment (DAP_SOURCE_DIR, DAP_BUILD_DIR,
DAP_ASSETS_DIR). Programs run exactly as users run them: mpirun over the
built executables with a Lua config and overrides.
"""
import os
import shutil
import subprocess
import sys

SOURCE = os.environ.get("DAP_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("DAP_BUILD_DIR", os.path.join(SOURCE, "build"))
ASSETS = os.environ.get("DAP_ASSETS_DIR", os.path.join(SOURCE, "assets"))
SKIP = 77


def binary(name):
    path = os.path.join(BUILD, "bin", name)
    if not os.path.exists(path):
        print(f"skipped: {path} is not built")
        sys.exit(SKIP)
    return path


def mpirun(ranks, program, args, **kwargs):
    command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks), binary(program)] + list(args)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run(command, cwd=SOURCE, env=env, capture_output=True, text=True, **kwargs)


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def write_manifest(path, rows):
    with open(path, "w") as out:
        out.write("path,label,domain,split,id\n")
        for relpath, label, video_id in rows:
            out.write(f"{relpath},{label},test,all,{video_id}\n")


def make_video_collection(root):
    """Real clips, the real edge-case files and generated broken/odd files.

    Returns (good, bad): lists of (relpath, label, id); `bad` must fail.
    """
    os.makedirs(root, exist_ok=True)
    real = os.path.join(ASSETS, "videos", "real")
    edge = os.path.join(ASSETS, "videos", "edge_cases")
    good = []
    for label, name in enumerate(["test.avi", "part_0.mp4", "asl_yes.mkv", "asl_eat.mkv", "flipping_a_pancake.mkv"]):
        shutil.copy(os.path.join(real, name), os.path.join(root, name))
        good.append((name, label, os.path.splitext(name)[0]))
    for name in ["video_90.mov", "unordered.mov", "video_0.mov"]:
        shutil.copy(os.path.join(edge, name), os.path.join(root, name))
        good.append((name, 5, os.path.splitext(name)[0]))
    # Other containers and codecs, variable frame rate.
    ffmpeg("-i", os.path.join(real, "part_0.mp4"), "-c:v", "mpeg4", os.path.join(root, "mpeg4.mov"))
    ffmpeg("-i", os.path.join(real, "part_0.mp4"), "-frames:v", "12", "-vf", "scale=80:60", os.path.join(root, "anim.gif"))
    ffmpeg("-i", os.path.join(real, "test.avi"), "-t", "4", "-vf", r"select=lt(n\,20)+not(mod(n\,4))",
           "-fps_mode", "vfr", "-c:v", "libx264", os.path.join(root, "vfr.mkv"))
    good += [("mpeg4.mov", 6, "mpeg4"), ("anim.gif", 7, "anim"), ("vfr.mkv", 8, "vfr")]

    bad = []
    shutil.copy(os.path.join(edge, "corrupted.mp4"), os.path.join(root, "corrupted.mp4"))
    open(os.path.join(root, "empty.mp4"), "wb").close()
    with open(os.path.join(root, "notes.avi"), "w") as out:
        out.write("this is a text file, not a video\n")
    for name in ["test.mp4", "flipping_a_pancake.mkv"]:
        data = open(os.path.join(real, name), "rb").read()
        with open(os.path.join(root, "cut_" + name), "wb") as out:
            out.write(data[: len(data) // 2])
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", os.path.join(root, "audio_only.m4a"))
    bad += [("corrupted.mp4", 1, "corrupted"), ("empty.mp4", 1, "empty"), ("notes.avi", 1, "notes"),
            ("cut_test.mp4", 1, "cut_mp4"), ("cut_flipping_a_pancake.mkv", 1, "cut_mkv"),
            ("audio_only.m4a", 1, "audio_only"), ("does_not_exist.mp4", 1, "missing")]
    return good, bad


def newest_checkpoint_state(folder):
    """Every tensor of the newest step_*.pt in `folder` (student, teacher, optimiser, centre)."""
    import glob
    import torch
    newest = sorted(glob.glob(os.path.join(folder, "step_*.pt")))[-1]
    return newest, {k: v.clone() for k, v in torch.jit.load(newest).state_dict().items()}


def state_difference(a, b):
    """None when two state dicts are bit-identical; otherwise what differs first."""
    import torch
    if a.keys() != b.keys():
        return f"different keys: {sorted(set(a) ^ set(b))[:5]}"
    for k in a:
        if not torch.equal(a[k], b[k]):
            return f"{k} differs (max |diff| {float((a[k].double() - b[k].double()).abs().max()):.3g})"
    return None
