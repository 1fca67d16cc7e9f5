#!/usr/bin/env bash
# Dress rehearsal of the paper's experiments: the commands of docs/REPRODUCING.md,
# as written, on the two-node test cluster (tests/slurm/slurm_two_nodes.sh), in a fresh copy
# of the repository with a fake ARID and a fake Daily-DA in their release layouts
# (tests/slurm/rehearsal/make_fake_paper_data.py) and small models
# (tests/slurm/rehearsal/small_models.lua as DAP_CONFIG_OVERLAY). Every job must complete and
# both tables must come out in the paper's layout: its tables, rows and columns, and one
# value per split (ARID) or seed (Daily-DA) in every cell.
# Run by ctest as slurm.test_paper_rehearsal; exit 77 = skipped (no root, no network
# namespaces, no Slurm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_two_nodes.sh
source "$here/slurm_two_nodes.sh"
source_dir=${DAP_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build_dir=${DAP_BUILD_DIR:-$source_dir/build}
assets=${DAP_ASSETS_DIR:-$source_dir/assets}
DAP_BUILD_DIR=$build_dir
source "$here/check.sh"
skip_unless_ready dap-preprocess dap-pretrain dap-finetune dap-evaluate dap-synth
if [[ ! -f $assets/arid/ARID_v1_ARID_split3_other.txt ]]; then
  echo "SKIP: the ARID split lists are not in $assets/arid (bash scripts/fetch_assets.sh)"
  exit 77
fi

trap slurm2_stop EXIT
slurm2_start
T=$SLURM_TEST_DIR/work/rehearsal # removed with the cluster
mkdir -p "$T"

echo "== a fresh copy of the repository (its build and assets linked, as a user's clone would have them)"
repo=$T/repo
mkdir -p "$repo"
git -C "$source_dir" ls-files -z --cached --others --exclude-standard | (cd "$source_dir" && tar --null -T - -cf -) |
  tar -xf - -C "$repo"
rm -rf "$repo/assets" "$repo/build"
ln -s "$assets" "$repo/assets"
ln -s "$build_dir" "$repo/build"

echo "== fake ARID and Daily-DA"
/usr/bin/python3 "$here/rehearsal/make_fake_paper_data.py" --synth "$build_dir/bin/dap-synth" \
  --arid-lists "$assets/arid" --out "$T/datasets"

echo "== docs/REPRODUCING.md's commands, as written"
# The site settings of docs/REPRODUCING.md's example, for this cluster: the fake data, the two nodes
# (jobs of one rank, spread over both), and the small models.
export ARID_ROOT=$T/datasets/ARID DAILYDA_ROOT=$T/datasets/Daily-DA
export DAP_CONFIG_OVERLAY=$here/rehearsal/small_models.lua
CLUSTER=(--sbatch "-t 20 -c 1")
unset DAP_SOURCE_DIR DAP_BUILD_DIR # a user's shell has neither
block=$(sed -n '/^<!-- reproduce-the-paper: begin -->$/,/^<!-- reproduce-the-paper: end -->$/p' "$repo/docs/REPRODUCING.md" |
  sed '1,2d;$d' | sed '$d')
check "docs/REPRODUCING.md has the commands" test -n "$block"
echo "$block" | sed 's/^/       /'
cd "$repo"
status=0
eval "$block" >"$T/commands.out" 2>&1 || status=$?
cat "$T/commands.out" | sed 's/^/       /'
check "the commands exit 0" same "$status" 0
mapfile -t drivers < <(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$T/commands.out")
check "two sweeps submitted" same "${#drivers[@]}" 2

aggregates=()
for driver in "${drivers[@]}"; do
  check "driver job $driver COMPLETED" same "$(slurm_wait_job "$driver" 120 || true)" COMPLETED
  log=$repo/dap-sweep-$driver.out
  aggregate=$(sed -n 's/^== aggregate job \([0-9]*\) over.*/\1/p' "$log" 2>/dev/null)
  check "driver $driver submitted its aggregation" test -n "$aggregate"
  aggregates+=("${aggregate:-0}")
done
for aggregate in "${aggregates[@]}"; do
  check "aggregation $aggregate COMPLETED" same "$(slurm_wait_job "$aggregate" 1500 || true)" COMPLETED
done
states=$(sacct -c -n -o State 2>/dev/null | awk 'NF { print $1 }')
echo "       job states (the jobcomp file):$(sort <<<"$states" | uniq -c | tr -s ' ' | tr '\n' ',')"
check "no job failed" same "$(grep -cv COMPLETED <<<"$states" || true)" 0

# paper_layout JSON TABLE CELL_COUNT ROW... -- COLUMN...: the table exists with exactly these
# rows and columns, and every cell has CELL_COUNT values.
paper_layout() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, name, count, rest = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
rows, columns = rest[:rest.index("--")], rest[rest.index("--") + 1:]
tables = json.load(open(path))["tables"]
if name not in tables:
    sys.exit(f"       no table '{name}' in {path}: {sorted(tables)}")
table = tables[name]
got_columns = list(dict.fromkeys(column for cells in table.values() for column in cells))
if list(table) != rows or got_columns != columns:
    sys.exit(f"       {name}: rows {list(table)}, columns {got_columns}")
cells = [cell for cells in table.values() for cell in cells.values()]
bad = [c for c in cells if c["n"] != count or not 0 <= c["mean"] <= 100]
print(f"       {name}: {len(rows)} rows x {len(columns)} columns, {len(cells)} cells, {len(bad)} without n = {count}")
sys.exit(1 if bad or len(cells) != len(rows) * len(columns) else 0)
PY
}
arid=$repo/runs/sweeps/arid/arid.json dailyda=$repo/runs/sweeps/dailyda/dailyda.json
check "Table 1 (with Table 4's ARID rows) over three splits" paper_layout "$arid" "Table 1: ARID, fully supervised" 3 \
  "CLIP ViT-B/16 (ActionCLIP)" "CLIP ViT-B/16 + DAP" "R(2+1)D-34" "R(2+1)D-34 + DAP" \
  "TimeSformer" "TimeSformer + DAP" \
  "R(2+1)D-34 + DAP, train encoder (Table 4)" "R(2+1)D-34 + DAP, lock encoder (Table 4)" -- Top-1 Top-5
table4=("CLIP ViT-B/16 (ActionCLIP)" "CLIP ViT-B/16 + DAP" "CLIP ViT-B/16 + DAP, train encoder (Table 4)"
  "CLIP ViT-B/16 + DAP, lock encoder (Table 4)")
check "Table 2 over five seeds" paper_layout "$dailyda" "Table 2: Daily-DA, multi-source (MSVDA)" 5 "${table4[@]}" -- \
  "Daily->A11"
check "Table 3 with its Avg column over five seeds" paper_layout "$dailyda" "Table 3: Daily-DA, source-free (SFVDA)" 5 \
  "${table4[@]}" -- "K600->A11" "MIT->A11" "H51->A11" Avg
check "the Markdown tables say what the seeds varied" log_has "$repo/runs/sweeps/dailyda/dailyda.md" "chain"
check "the eight ARID experiments share one preprocessed folder" \
  same "$(ls -d "$repo"/out/data/arid-* 2>/dev/null | wc -l)" 1
check "every source model predicted A11 for every seed" \
  same "$(ls "$repo"/runs/dailyda_source_*/teacher_on_A11/seed*/predictions.h5 2>/dev/null | wc -l)" 20
nodes=$(cat "$repo"/runs/*/logs/dap-*.out 2>/dev/null | sed -n 's/^== dap-[a-z]*: job [0-9]* on \([^,]*\),.*/\1/p' | sort -u | tr '\n' ' ')
check "the stage jobs ran on both nodes" same "$nodes" "n1 n2 "

if ((failures > 0)); then
  for log in "$repo"/dap-sweep-*.out; do show_log "$log"; done
  grep -l -i "error\|FAILED" "$repo"/runs/*/logs/*.out 2>/dev/null | head -3 | while read -r log; do show_log "$log"; done
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
