"""Which tasks of an experiment a (re)submission must run, for jobs/lib/pipeline.sh.
Run from the repository root with /usr/bin/python3 (standard library only):

  plan_tasks.py preprocess RESOLVED --jobs DAP_JOBS_TSV [--redo WHY]
  plan_tasks.py training RESOLVED --jobs DAP_JOBS_TSV --seeds 0,1 [--splits 1,2]
                --scope finetune|chain [--no-pretrain] [--redo WHY]
  plan_tasks.py aggregate RESULTS_JSON RUN_FOLDER... --jobs DAP_JOBS_TSV [--redo WHY]

RESOLVED is the experiment's resolved config (dap-finetune --print-config), DAP_JOBS_TSV
the run's list of submitted tasks (run.root/run.name/logs/dap-jobs.tsv). Prints one line
per task, tab-separated:
  STAGE INDEX todo|skip|wait SEED SPLIT OUTPUT JOB LOG WHY
(OUTPUT: the shard folder, pretraining folder, fine-tuning folder or tables' .json; JOB
and LOG: the job a "wait" task is left to, else "-") in the order of the array tasks
(jobs/lib/seeds_splits.sh: fine-tuning task i is seed i % #seeds, split i / #seeds;
pretraining task i is split i, or task i's (seed, split) with seed scope chain).

- wait: an earlier submission's job for this task is still queued or running (squeue);
  it is never submitted twice.
- todo: its outputs are not complete for the same settings (jobs/lib/run_folders.py), or
  --redo WHY says why it must be redone although they are (--force, or a task it reads
  from is redone).
- skip: complete."""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_folders as rf  # noqa: E402


def queued_jobs():
    """Job ids ("123", "123_4") that Slurm still queues or runs, leaving out those that
    wait for a dependency that can never be met (they will never run)."""
    try:
        out = subprocess.run(["squeue", "-h", "-r", "-o", "%i %r"], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {line.split()[0] for line in out.splitlines() if line.strip() and "DependencyNeverSatisfied" not in line}


def submitted(jobs_tsv):
    """{(stage, seed, split): (job, log)} of the latest submitted job of each task in dap-jobs.tsv."""
    latest = {}
    try:
        with open(jobs_tsv, encoding="utf-8") as f:
            for line in f:
                row = line.rstrip("\n").split("\t")
                if len(row) >= 8 and row[6] != "-":
                    latest[(row[2], row[4], row[5])] = (row[6], row[7])
    except OSError:
        pass
    return latest


class Planner:
    def __init__(self, args):
        self.redo = args.redo
        self.earlier = submitted(args.jobs) if args.jobs else {}
        self.queued = queued_jobs() if self.earlier else set()

    def plan(self, stage, index, seed, split, output, check, redo=None):
        """Prints the task's line; returns its action."""
        seed, split = str(seed if seed is not None else "-"), str(split or "-")
        job, log = self.earlier.get((stage, seed, split), ("-", "-"))
        if job in self.queued:
            action, why = "wait", f"job {job} of an earlier submission is still queued or running"
        else:
            job, log = "-", "-"
            complete, why = check()
            action = "skip" if complete else "todo"
            if complete and (redo or self.redo):
                action, why = "todo", redo or self.redo
        print("\t".join([stage, str(index), action, seed, split, output or "-", job, log, why]))
        return action


def plan_preprocess(args):
    config = rf.read_config(args.resolved)
    output = rf.shard_folder(config) or rf.value(config, "preprocess.output.root")
    Planner(args).plan("preprocess", 0, None, None, output, lambda: rf.preprocess_complete(config))


def plan_training(args):
    planner, config = Planner(args), rf.read_config(args.resolved)
    seeds = args.seeds.split(",")
    splits = args.splits.split(",") if args.splits else [None]
    chain = args.scope == "chain"
    tasks = [(seeds[i % len(seeds)], splits[i // len(seeds)]) for i in range(len(seeds) * len(splits))]
    redone_pretrain = set()
    if args.pretrain:
        pretrain_tasks = tasks if chain else [(None, split) for split in splits]
        for i, (seed, split) in enumerate(pretrain_tasks):
            task = rf.for_task(config, seed=seed, split=split, scope=args.scope)
            action = planner.plan("pretrain", i, seed, rf.value(task, "run.split"), rf.pretrain_folder(task),
                                  lambda: rf.pretrain_complete(task))
            if action == "todo":
                redone_pretrain.add(i)
    for i, (seed, split) in enumerate(tasks):
        task = rf.for_task(config, seed=seed, split=split, scope=args.scope)
        upstream = i if chain else i // len(seeds)
        planner.plan("finetune", i, seed, rf.value(task, "run.split"), rf.finetune_folder(task),
                     lambda: rf.finetune_complete(task),
                     "its pretraining is redone" if upstream in redone_pretrain else None)


def plan_aggregate(args):
    Planner(args).plan("aggregate", 0, None, None, args.results, lambda: rf.aggregate_complete(args.results, args.runs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("preprocess")
    p.add_argument("resolved")
    p.set_defaults(run=plan_preprocess)
    p = commands.add_parser("training")
    p.add_argument("resolved")
    p.add_argument("--seeds", default="0")
    p.add_argument("--splits", default="")
    p.add_argument("--scope", default="finetune")
    p.add_argument("--no-pretrain", dest="pretrain", action="store_false")
    p.set_defaults(run=plan_training)
    p = commands.add_parser("aggregate")
    p.add_argument("results")
    p.add_argument("runs", nargs="+")
    p.set_defaults(run=plan_aggregate)
    for p in commands.choices.values():
        p.add_argument("--jobs", help="the run's logs/dap-jobs.tsv (earlier submissions)")
        p.add_argument("--redo", default=None, help="redo every complete task, for this reason")
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
