#!/usr/bin/env python3
"""Fake ARID and Daily-DA in their release layouts, for the dress rehearsal of the paper's
experiments (tests/slurm/test_paper_rehearsal.sh).

The real data sets are not here; their shapes are. ARID gets every clip that its real split
lists name (3,784 files, under the names of the lists in assets/arid/) and the lists
themselves; each Daily-DA domain gets 8 classes of clips named and listed as the authors' code
(github.com/xuyu0010/ATCoN, dataset/) has them. The clips are a few dap-synth videos (dark ones
for ARID and A11, bright ones for the source domains) converted by ffmpeg to ARID's 320x240 at
30 fps, and every listed file is a symbolic link to one of them, chosen by its label.

    make_fake_paper_data.py --synth build/bin/dap-synth --arid-lists assets/arid --out DIR
writes DIR/ARID (as $ARID_ROOT) and DIR/Daily-DA (as $DAILYDA_ROOT).
"""
import argparse
import os
import subprocess
import sys

# Daily-DA's 8 classes per domain, the folder and list name of each domain, and how its
# clips are named (class, index) -> path under raw/data, per the authors' lists.
DAILYDA_DOMAINS = {
    "ARID": ("arid", "dark", ["Drink", "Jump", "Pick", "Pour", "Push", "Run", "Walk", "Wave"],
             lambda part, c, i: f"{c}/{c}_{30 + i}_{1 if part == 'train' else 2}.mp4"),
    "HMDB51": ("hmdb51", "bright", ["drink", "jump", "pick", "pour", "push", "run", "walk", "wave"],
               lambda part, c, i: f"{c}/{c}_{part}_clip_{i}_f_cm_np1_fr_med_{i}.avi"),
    "Kinetics": ("kinetics_daily", "bright",
                 ["drinking_shots", "jumping_jacks", "picking_fruit", "pouring_beer", "pushing_cart",
                  "running_on_treadmill", "walking_the_dog", "waving_hand"],
                 lambda part, c, i: f"{'train' if part == 'train' else 'val'}/{c}/{c[:4]}{i:07d}_000000_000010.mp4"),
    "MIT": ("mit", "bright", ["drinking", "jumping", "picking", "pouring", "pushing", "running", "walking", "waving"],
            lambda part, c, i: f"{'training' if part == 'train' else 'validation'}/{c}/yt-{c}{i:04d}_{i}.mp4"),
}
CLIPS_PER_CLASS = {"train": 32, "test": 8}


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"make_fake_paper_data: {' '.join(command)} failed:\n{result.stdout}")


def make_pool(synth, folder):
    """A few dark and bright clips at ARID's size and rate: {"dark": [paths], "bright": [paths]}."""
    raw = os.path.join(folder, "synth")
    run([synth, "--out", raw, "--seed", "7", "--size", "64", "--frames", "24", "--train", "2", "--test", "0",
         "--domains", "dark", "sunlit"])
    pool = {"dark": [], "bright": []}
    for domain, kind in (("dark", "dark"), ("sunlit", "bright")):
        source = os.path.join(raw, "videos", domain)
        for name in sorted(os.listdir(source)):
            clip = os.path.join(folder, f"{kind}_{len(pool[kind]):02d}.avi")
            run(["ffmpeg", "-loglevel", "error", "-y", "-i", os.path.join(source, name), "-vf", "scale=320:240",
                 "-r", "30", "-c:v", "mpeg4", "-q:v", "6", clip])
            pool[kind].append(clip)
    return pool


def link(target, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.lexists(path):
        os.symlink(os.path.relpath(target, os.path.dirname(path)), path)


def make_arid(pool, lists, root):
    """Every clip of the real ARID split lists, and the lists, under root/raw/{data,list_cvt}."""
    os.makedirs(os.path.join(root, "raw", "list_cvt"), exist_ok=True)
    clips = {}
    for split in (1, 2, 3):
        for part in ("train", "test", "other"):
            name = f"ARID_split{split}_{part}.txt"
            with open(os.path.join(lists, f"ARID_v1_{name}")) as f:
                text = f.read()
            with open(os.path.join(root, "raw", "list_cvt", name), "w") as f:
                f.write(text)
            for line in text.splitlines():
                _, label, path = line.split("\t")
                clips[path] = int(label)
    for path, label in clips.items():
        link(pool["dark"][label % len(pool["dark"])], os.path.join(root, "raw", "data", path))
    return len(clips)


def make_dailyda(pool, root):
    """Each domain's clips and its <name>_msda_{train,test}.txt lists."""
    total = 0
    for domain, (list_name, kind, classes, clip_path) in DAILYDA_DOMAINS.items():
        os.makedirs(os.path.join(root, domain, "raw", "list_cvt"), exist_ok=True)
        for part, count in CLIPS_PER_CLASS.items():
            lines = []
            for label, name in enumerate(classes):
                for i in range(count):
                    path = clip_path(part, name, i)
                    lines.append(f"{len(lines)}\t{label}\t{path}")
                    link(pool[kind][(label + i) % len(pool[kind])], os.path.join(root, domain, "raw", "data", path))
            with open(os.path.join(root, domain, "raw", "list_cvt", f"{list_name}_msda_{part}.txt"), "w") as f:
                f.write("\n".join(lines) + "\n")
            total += len(lines)
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synth", required=True, help="the dap-synth binary")
    parser.add_argument("--arid-lists", required=True, help="folder of ARID_v1_ARID_split*_*.txt (assets/arid)")
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args()
    pool = make_pool(args.synth, os.path.join(args.out, "pool"))
    arid = make_arid(pool, args.arid_lists, os.path.join(args.out, "ARID"))
    dailyda = make_dailyda(pool, os.path.join(args.out, "Daily-DA"))
    print(f"make_fake_paper_data: ARID {arid} clips, Daily-DA {dailyda} clips in 4 domains, "
          f"{sum(len(p) for p in pool.values())} distinct videos, in {args.out}")


if __name__ == "__main__":
    main()
