#!/usr/bin/env bash
# Where a pipeline or sweep stands, read-only: one line per stage task (experiment, stage,
# seed, split, Slurm job and state, progress and ETA from metrics.jsonl, elapsed time), for
# a failed or cancelled task its first error line and log, and a summary (done / running /
# pending / failed, and where the table will appear). States come from sacct, else from
# scontrol (jobs slurmctld still knows), else from the run folders alone (also for
# jobs/local/full_pipeline.sh runs). The tasks are those of the latest submission listed in
# run.root/run.name/logs/dap-jobs.tsv (written by full_pipeline.sh and sweep.sh).
# Usage, from the repository root:
#   jobs/slurm/status.sh RUN_FOLDER|RUN_ROOT|RUN_NAME|DRIVER_LOG ... [--json]
#   jobs/slurm/status.sh runs/finetune_tiny          # one experiment
#   jobs/slurm/status.sh dap-sweep-1234.out          # every experiment of a sweep
#   jobs/slurm/status.sh --json runs                 # every run under run.root, for scripts
# Fits a 100-column terminal. Needs python3 (standard library only).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=/usr/bin/python3
[[ -x $python ]] || python=python3
exec "$python" "$here/../lib/status.py" "$@"
