#!/usr/bin/env bash
# After bash scripts/demo.sh: scores every model the demo fine-tuned on the dark validation
# split instead of the test split, the same models as docs/DEMO.md's tables (about 2 minutes).
# Writes runs/demo_val_check/<experiment>/<seed>/metrics.json and prints mean +- std per
# experiment. Environment as scripts/demo.sh (DAP_DEMO_DATA, DAP_RUN_ROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DAP_DEMO_DATA:-out/demo_data}
runs=${DAP_RUN_ROOT:-runs}
out=$runs/demo_val_check
for model in "$runs"/demo_*/finetune/seed*/model.pt; do
  experiment=$(basename "$(dirname "$(dirname "$(dirname "$model")")")")
  seed=$(basename "$(dirname "$model")")
  jobs/local/evaluate.sh -n 2 lua/demo.lua evaluate.task=predict "evaluate.model=$model" \
    "evaluate.data.ids=$data/dark_val.csv" "evaluate.output=$out/$experiment/$seed" >"$out.log" 2>&1 ||
    { tail -20 "$out.log"; exit 1; }
done
/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
for folder in sorted(glob.glob(os.path.join(sys.argv[1], "demo_*"))):
    top1 = [json.load(open(f))["top1"] for f in sorted(glob.glob(os.path.join(folder, "seed*", "metrics.json")))]
    spread = statistics.stdev(top1) if len(top1) > 1 else 0.0
    print(f"{os.path.basename(folder):22s} dark val top-1 {statistics.mean(top1):6.2f} +- {spread:5.2f} (n={len(top1)})")
PY
