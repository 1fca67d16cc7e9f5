#!/usr/bin/env python3
"""Renders lua/base.lua's comments into docs/CONFIG.md, the configuration reference.

    python3 scripts/config_reference.py           # writes docs/CONFIG.md
    python3 scripts/config_reference.py --check   # exit 1 when docs/CONFIG.md is out of date

Every key of base.lua becomes a row (key, default, the comments above it and beside it);
every table a section. Edit the comments in lua/base.lua, not the page: py.test_layout
checks that the page equals what this script renders.
"""
import os
import re
import sys

SOURCE = os.environ.get("DAP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(SOURCE, "lua", "base.lua")
PAGE = os.path.join(SOURCE, "docs", "CONFIG.md")

INTRO = """# Configuration reference

Generated from the comments of `lua/base.lua` by `python3 scripts/config_reference.py`;
edit those comments, not this page (`py.test_layout` checks that it is up to date). Back to
the [README](../README.md).

## How configs work

- A config file returns a table and may derive from another with `base = "file.lua"`
  (every experiment derives from `lua/base.lua`): tables merge key by key, lists replace.
  Unknown keys, wrong types and out-of-range values are errors naming the file and key.
- Any key can be overridden on the command line as `a.b=value` (values are Lua expressions;
  strings may go unquoted); `--print-config` prints the resolved config:
  `build/bin/dap-preprocess --config lua/preprocess_demo.lua preprocess.sampling.num_frames=16 --print-config`.
  The job scripts pass the same overrides after the config file.
- Configs run in a restricted Lua (no `os.execute`, `io`, `require`, `load`); `os.getenv`
  works for paths. A config whose Lua runs longer than 5 s (an endless loop) or allocates
  more than 512 MiB is a config error naming the file.
- A site's settings for every config (scratch folders, weights, smaller models for a trial
  run) can live in one file named by `DAP_CONFIG_OVERLAY`: it merges over each config and
  its bases, below the command-line overrides, and every stage logs that it applied it
  (`--print-config` shows the result).
- Each stage writes the resolved config as `config.lua` beside its outputs; the pipeline
  scripts compare it to decide what is left to do ([SLURM.md](SLURM.md)).

Ranges are given as `[min, max]`; "one of" lists the allowed strings.

"""

KEY = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def split_comment(text):
    """Value text and the trailing -- comment, outside string literals."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif text.startswith("--", i):
            return text[:i].rstrip(), text[i + 2:].strip()
    return text.rstrip(), ""


def cell(text):
    return text.replace("|", "\\|")


def render(base_text):
    lines = base_text.split("\n")
    out = [INTRO.rstrip("\n"), ""]
    header = []
    i = 0
    while i < len(lines) and lines[i].startswith("--"):
        header.append(lines[i][2:].strip())
        i += 1
    out.append("From the head of `lua/base.lua`:\n")
    out.append("\n".join("> " + h for h in header) + "\n")
    path, pending = [], []
    sections = []  # (path, comment, rows), in the order the tables open
    stack = []  # the open tables' sections
    for line in lines[i:]:
        stripped = line.strip()
        if stripped.startswith("return {"):
            stack.append(([], "", []))
            sections.append(stack[-1])
            continue
        if not stripped:
            pending = []
            continue
        if stripped.startswith("--"):
            pending.append(stripped[2:].strip())
            continue
        if re.match(r"^\}\s*,?\s*$", stripped):
            if path:
                path.pop()
            if stack:
                stack.pop()
            pending = []
            continue
        m = KEY.match(line)
        if not m:
            pending = []
            continue
        name, rest = m.group(2), m.group(3)
        value, comment = split_comment(rest)
        value = value.rstrip(",").strip()
        if value == "{" or (value.startswith("{") and not value.endswith("}")):
            path.append(name)
            text = " ".join(pending + ([comment] if comment else []))
            stack.append((list(path), text, []))
            sections.append(stack[-1])
            pending = []
            continue
        text = " ".join(pending + ([comment] if comment else []))
        stack[-1][2].append((name, value, text))
        pending = []
    for spath, comment, srows in sections:
        if not spath:
            continue
        level = "##" if len(spath) == 1 else "###"
        out.append(f"{level} `{'.'.join(spath)}`\n")
        if comment:
            out.append(comment + "\n")
        if srows:
            out.append("| key | default | meaning |")
            out.append("| --- | --- | --- |")
            for name, value, text in srows:
                out.append(f"| `{name}` | `{cell(value)}` | {cell(text)} |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    with open(BASE, encoding="utf-8") as f:
        page = render(f.read())
    if sys.argv[1:] == ["--check"]:
        try:
            with open(PAGE, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != page:
            print("docs/CONFIG.md is out of date: run python3 scripts/config_reference.py")
            return 1
        return 0
    with open(PAGE, "w", encoding="utf-8") as f:
        f.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
