"""The state of every stage task a pipeline or sweep submitted, for jobs/slurm/status.sh.
Python 3 standard library only; read-only.

Tasks come from the run folders' logs/dap-jobs.tsv (written by jobs/lib/pipeline.sh at
submission: the latest submission of each run). A task's state comes from sacct where
Slurm keeps accounting, else from scontrol (jobs still known to slurmctld), else from its
log and outputs alone (also for jobs/local/ runs, which write no list: folder_tasks).
Progress and ETA come from the run's metrics.jsonl (jobs/lib/run_folders.py)."""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_folders as rf  # noqa: E402

FIELDS = ["submission", "experiment", "stage", "index", "seed", "split", "job", "log", "output", "why"]
DONE = {"COMPLETED", "DONE"}
RUNNING = {"RUNNING", "COMPLETING", "CONFIGURING", "STARTED", "SUSPENDED", "STOPPED"}
PENDING = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING"}
QUIET_REASONS = {None, "", "None", "Dependency", "Priority", "Resources", "BeginTime", "JobArrayTaskLimit"}
ERROR = re.compile(r"\b(error|fatal)\b|Traceback|exit status [1-9]|exit \d+:|CANCELLED|TIME LIMIT", re.I)


# ---- which tasks

def manifests(target):
    """The dap-jobs.tsv files a target names: a run folder, a run root (every run below
    it), a run name (under runs/ or $DAP_RUN_ROOT), or a driver job's log."""
    if os.path.isfile(target):
        with open(target, encoding="utf-8", errors="replace") as f:
            text = f.read()
        folders = re.findall(r"logs in (\S+)$", text, re.M)
        for line in re.findall(r"status\.sh (.+)$", text, re.M):
            folders += line.split()
        # in the order the driver submitted them
        return list(dict.fromkeys(os.path.join(folder.removesuffix("/logs"), "logs", "dap-jobs.tsv")
                                  for folder in folders))
    candidates = [target] if os.path.isdir(target) else \
        [os.path.join(root, target) for root in (os.environ.get("DAP_RUN_ROOT", ""), "runs") if root]
    for folder in candidates:
        if os.path.isfile(os.path.join(folder, "logs", "dap-jobs.tsv")):
            return [os.path.join(folder, "logs", "dap-jobs.tsv")]
        below = sorted(glob.glob(os.path.join(folder, "*", "logs", "dap-jobs.tsv")))
        if below:
            return below
    return []


def folder_tasks(run):
    """Tasks read off a run folder that has no dap-jobs.tsv (jobs/local/full_pipeline.sh):
    every pretraining and fine-tuning folder and the tables, with no job."""
    tasks = []
    for folder in sorted(glob.glob(os.path.join(run, "pretrain", "*", "config.lua")) +
                         glob.glob(os.path.join(run, "pretrain", "config.lua"))):
        tasks.append(("pretrain", os.path.dirname(folder), "adapter.pt"))
    for folder in sorted(glob.glob(os.path.join(run, "finetune", "*", "config.lua"))):
        tasks.append(("finetune", os.path.dirname(folder), "model.pt"))
    rows = []
    for stage, folder, result in tasks:
        tag = os.path.basename(folder)
        split = re.search(r"split([^-]+)", tag)
        seed = re.search(r"seed(\d+)", tag)
        done = os.path.exists(os.path.join(folder, result))
        rows.append({"submission": "-", "experiment": os.path.basename(run), "stage": stage, "index": "-",
                     "seed": seed.group(1) if seed else "-", "split": split.group(1) if split else "-",
                     "job": "local", "log": "-", "output": folder, "why": "",
                     "local_state": "DONE" if done else "STARTED"})
    results = os.path.join(run, "results", "results.json")
    rows.append({"submission": "-", "experiment": os.path.basename(run), "stage": "aggregate", "index": "-",
                 "seed": "-", "split": "-", "job": "local", "log": "-", "output": results, "why": "",
                 "local_state": "DONE" if os.path.exists(results) else "UNKNOWN"})
    return rows


def latest_tasks(manifest):
    """The rows of the latest submission in one dap-jobs.tsv."""
    try:
        with open(manifest, encoding="utf-8") as f:
            rows = [dict(zip(FIELDS, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    except OSError:
        return []
    latest = rows[-1]["submission"] if rows else None
    return [row for row in rows if row["submission"] == latest]


# ---- what Slurm says

def _run(command):
    if not shutil.which(command[0]):
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _indices(text):
    """Array task ids "3", "[1,3]", "0-5%2", "[0-2,4]" -> [ints]."""
    out = []
    for part in text.strip("[]").split("%")[0].split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            out += range(int(a), int(b) + 1)
        elif part.isdigit():
            out.append(int(part))
    return out


def _seconds(text):
    """Slurm's [D-]HH:MM:SS (or MM:SS) as seconds."""
    days, _, clock = text.rpartition("-")
    try:
        parts = [int(x) for x in clock.split(":")]
    except ValueError:
        return None
    seconds = 0
    for x in parts:
        seconds = seconds * 60 + x
    return seconds + 86400 * int(days or 0)


def slurm_states(jobs):
    """{"123" or "123_4": {"state", "elapsed", "reason"}} from sacct, else scontrol."""
    states, ids = {}, sorted({job.split("_")[0] for job in jobs if job.split("_")[0].isdigit()})
    if not ids:
        return states
    out = _run(["sacct", "-n", "-P", "-X", "-j", ",".join(ids), "-o", "JobID,State,Elapsed,Reason"])
    for line in (out or "").splitlines():
        parts = line.split("|")
        if len(parts) < 4:
            continue
        job, state, elapsed, reason = parts[:4]
        base, _, tasks = job.partition("_")
        info = {"state": state.split()[0], "elapsed": _seconds(elapsed), "reason": reason, "source": "sacct"}
        for index in _indices(tasks) if tasks else [None]:
            states[base if index is None else f"{base}_{index}"] = info
    for base in ids:
        if any(key.split("_")[0] == base for key in states):
            continue
        for line in (_run(["scontrol", "show", "job", "-o", base]) or "").splitlines():
            fields = dict(re.findall(r"(\w+)=(\S*)", line))
            info = {"state": fields.get("JobState", "UNKNOWN"), "elapsed": _seconds(fields.get("RunTime", "")),
                    "reason": fields.get("Reason", "None"), "source": "scontrol"}
            tasks = fields.get("ArrayTaskId")
            for index in _indices(tasks) if tasks else [None]:
                states[base if index is None else f"{base}_{index}"] = info
    return states


# ---- what the files say

def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _log_started(text):
    match = re.search(r"started (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    return time.mktime(time.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")) if match else None


def file_state(task, log_text):
    """A task's state from its log and outputs when Slurm does not know the job (any more)."""
    if task["job"] == "-":
        return "DONE"
    if "local_state" in task:
        return task["local_state"]
    statuses = re.findall(r"finished \S+ \S+ with exit status (\d+)", log_text)
    if any(s != "0" for s in statuses):
        return "FAILED"
    ends = {"finetune": 2}  # finetune.sbatch fine-tunes, then predicts
    if len(statuses) >= ends.get(task["stage"], 1):
        return "COMPLETED"
    return "STARTED" if log_text else "UNKNOWN"


def first_error(log_text):
    for line in log_text.splitlines():
        if not line.lstrip().startswith("--") and ERROR.search(line):
            return re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[rank [^]]*\] ", "", line.strip())
    return None


def describe(task, slurm):
    """The row status.sh prints for one task."""
    log = task.get("log", "-")
    log_text = _read(log) if log and log != "-" else ""
    info = slurm.get(task["job"]) or slurm.get(task["job"].split("_")[0])
    state = info["state"] if info else file_state(task, log_text)
    elapsed = info["elapsed"] if info and log_text else None  # a job that never started has none
    if elapsed is None and log_text and _log_started(log_text):
        elapsed = (os.path.getmtime(log) if state not in RUNNING else time.time()) - _log_started(log_text)
    row = {k: task.get(k, "-") for k in ("experiment", "stage", "seed", "split", "job")}
    row.update(state=state, elapsed=elapsed, progress=None, eta=None, log=log, output=task.get("output"),
               why=task.get("why", ""), error=None)
    if task["stage"] in ("pretrain", "finetune") and task["job"] != "-":
        progress = rf.training_progress(task["output"], log_text)
        if progress:
            row["progress"] = {"step": progress[0], "steps": progress[1], "epoch": progress[2]}
            row["eta"] = progress[3] if state in RUNNING else None
    if state not in DONE | RUNNING | PENDING:
        row["error"] = first_error(log_text) or (
            "never started: a job it waits on failed" if state == "CANCELLED" and not log_text
            else f"no error line in its log" if log_text else "no log")
    elif state == "PENDING" and info and info.get("reason") not in QUIET_REASONS:
        row["error"] = "pending: " + info["reason"]  # e.g. DependencyNeverSatisfied, a bad request
    return row


# ---- printing

def _clock(seconds):
    if seconds is None:
        return "-"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _cut(text, width):
    text = str(text)
    return text if len(text) <= width else text[:width - 1] + "~"


def summary(rows):
    count = {"done": 0, "running": 0, "pending": 0, "failed": 0}
    for row in rows:
        kind = "done" if row["state"] in DONE else "running" if row["state"] in RUNNING else \
            "pending" if row["state"] in PENDING else "failed"
        count[kind] += 1
    tables = [row for row in rows if row["stage"] == "aggregate"]
    return count, tables


def print_table(rows):
    columns = [("EXPERIMENT", 18), ("STAGE", 10), ("SEED", 4), ("SPLIT", 5), ("JOB", 11), ("STATE", 10),
               ("PROGRESS", 17), ("ETA", 7), ("ELAPSED", 8)]
    print(" ".join(f"{name:<{width}}" for name, width in columns).rstrip())
    for row in rows:
        progress = "reused" if row["job"] == "-" else "-"
        if row["progress"]:
            p = row["progress"]
            progress = f"step {p['step']}{'/' + str(p['steps']) if p['steps'] else ''} ep {p['epoch']}"
        eta = _clock(row["eta"]) if row["eta"] is not None else "-"
        values = [row["experiment"], row["stage"], row["seed"], row["split"], row["job"], row["state"], progress, eta,
                  _clock(row["elapsed"])]
        print(" ".join(f"{_cut(v, w):<{w}}" for v, (_, w) in zip(values, columns)).rstrip())
        if row["error"]:
            print("    " + _cut(row["error"], 96))
            if os.path.exists(row["log"]):
                print("    log: " + row["log"])
    count, tables = summary(rows)
    print(f"{len(rows)} task(s): {count['done']} done, {count['running']} running, {count['pending']} pending, "
          f"{count['failed']} failed or cancelled")
    for row in tables:
        table = row["output"].removesuffix(".json") + ".md"
        when = "written" if row["state"] in DONE else "will appear"
        print(f"table ({when}): {table}")


def main():
    parser = argparse.ArgumentParser(prog="status.sh", description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="run folder, run root, run name or driver log")
    parser.add_argument("--json", action="store_true", help="one JSON object (tasks and summary) for scripts")
    args = parser.parse_args()
    tasks, files = [], []
    for target in args.targets:
        found = manifests(target)
        if not found and os.path.isdir(os.path.join(target, "finetune")):
            tasks += folder_tasks(target)  # a run without Slurm: its folders alone
            continue
        if not found:
            print(f"status.sh: no pipeline found for {target} (a run folder, run root, run name or the log "
                  "of a driver job of jobs/slurm/full_pipeline.sh or sweep.sh)", file=sys.stderr)
            return 2
        files += [f for f in found if f not in files]
    tasks += [task for manifest in files for task in latest_tasks(manifest)]
    slurm = slurm_states([task["job"] for task in tasks])
    rows = [describe(task, slurm) for task in tasks]
    if args.json:
        count, tables = summary(rows)
        print(json.dumps({"tasks": rows, "summary": count, "tables": [t["output"] for t in tables]}, indent=1))
    else:
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
