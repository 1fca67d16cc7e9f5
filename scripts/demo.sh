#!/usr/bin/env bash
# The demo command: installs and builds what is missing, then reproduces the paper's
# comparison on synthetic dark-scene actions with 2 MPI ranks (about eight minutes on two
# cores). Stages:
#   1. build/bin/dap-synth writes the videos: six actions that only motion tells apart, three
#      bright domains (sunlit, overcast, studio) and a dark one (a low-light camera model),
#      each split into train, val and test;
#   2. dap-preprocess: one data set of SCI-enhanced HDF5 shards holding every domain;
#   3. the bright model, a small R(2+1)D trained from scratch on the bright domains (the
#      stand-in for large-scale pretraining), scored on held-out bright clips and on the dark
#      ones, raw and SCI-enhanced; the sunlit source model fine-tuned from it; both label the
#      unlabelled dark training clips (pseudo-labels);
#   4. dap-pretrain: domain-adaptive pretraining on the unlabelled dark training clips;
#   5-6. for each seed: fine-tuning on the dark clips without and with DAP, fully supervised,
#      source-free (sunlit pseudo-labels) and multi-source (bright pseudo-labels), and a
#      linear probe of the frozen backbone + adaptation block before and after DAP;
#   7. dap-evaluate: the tables (mean +- std over seeds), printed and in runs/demo_results/.
# Environment: DAP_DEMO_SEEDS (default 0,1,2,3,4), DAP_DEMO_DATA (default out/demo_data),
# DAP_DEMO_SPLIT (default test; "val" is how the demo was designed: docs/DEMO.md) and
# DAP_RUN_ROOT (default runs). Logs of every stage: <runs>/demo_logs/. Rerunning reuses what
# is finished.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/build.sh"
cd "$repo"
export DAP_BUILD_DIR="${DAP_BUILD_DIR:-$repo/build}"
export DAP_DEMO_DATA="${DAP_DEMO_DATA:-out/demo_data}"
export DAP_DEMO_SPLIT="${DAP_DEMO_SPLIT:-test}"
export DAP_RUN_ROOT="${DAP_RUN_ROOT:-runs}"
seeds=${DAP_DEMO_SEEDS:-0,1,2,3,4}
data=$DAP_DEMO_DATA
split=$DAP_DEMO_SPLIT
runs=$DAP_RUN_ROOT
bright=$runs/demo_bright/finetune/seed0/model.pt
logs=$runs/demo_logs
mkdir -p "$logs"
start=$SECONDS

step() { printf '\n== dap demo [%3d s] %s\n' $((SECONDS - start)) "$*"; }
# run LOG COMMAND...: the command's output goes to runs/demo_logs/LOG.log; its result lines are shown.
run() {
  local log=$logs/$1.log
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -40 "$log"
    echo "demo: '$*' failed; its log: $log" >&2
    exit 1
  fi
  grep -E "top-1 .*written|pseudo-labels:|summary:|fine-tuning finished|pretraining finished" "$log" |
    sed -E 's/^[0-9-]+ [0-9:]+ \[rank [0-9/]+\] info: /   /' || true
}

step "1/7 generating synthetic videos in $data"
if [[ ! -f $data/dark_val.csv ]]; then
  run synth "$DAP_BUILD_DIR/bin/dap-synth" --out "$data" --size 64 --frames 8 --train 60 --val 25 --test 50 \
    --exposure 0.01,0.04
fi
if [[ -f $logs/synth.log ]]; then sed 's/^/   /' "$logs/synth.log"; fi

step "2/7 preprocessing every domain (SCI enhancement, HDF5 shards)"
run preprocess jobs/local/preprocess.sh -n 2 lua/demo.lua

step "3/7 the bright model (from scratch, bright domains) and the sunlit source model; their pseudo-labels for the dark clips"
run bright jobs/local/finetune.sh -n 2 lua/demo_bright.lua
# The premise of the paper, measured: strong on held-out bright clips, weak on dark ones,
# better on SCI-enhanced dark ones.
premise=("evaluate.result.table=Demo: the bright model, not adapted")
run bright_on_bright jobs/local/evaluate.sh -n 2 lua/demo_bright.lua evaluate.task=predict "${premise[@]}" \
  "evaluate.data.ids=$data/bright_$split.csv" "evaluate.output=$runs/demo_bright/evaluate/bright_$split" \
  "evaluate.result.row=bright $split clips (held out)"
run bright_on_dark jobs/local/evaluate.sh -n 2 lua/demo_bright.lua evaluate.task=predict "${premise[@]}" \
  "evaluate.output=$runs/demo_bright/evaluate/dark_$split" "evaluate.result.row=dark $split clips"
run bright_on_enhanced jobs/local/evaluate.sh -n 2 lua/demo_bright.lua evaluate.task=predict "${premise[@]}" \
  finetune.input=enhanced "evaluate.output=$runs/demo_bright/evaluate/dark_${split}_enhanced" \
  "evaluate.result.row=dark $split clips, SCI-enhanced"
run source_sunlit jobs/local/finetune.sh -n 2 lua/demo_source_sunlit.lua
for teacher in demo_bright demo_source_sunlit; do
  run "teacher_$teacher" jobs/local/evaluate.sh -n 2 "lua/$teacher.lua" evaluate.task=predict \
    "evaluate.data.ids=$data/dark_train.csv" "evaluate.output=$runs/$teacher/teacher_on_dark"
done

step "4/7 domain-adaptive pretraining on the unlabelled dark training clips"
run pretrain jobs/local/pretrain.sh -n 2 lua/demo.lua

# The rows without DAP fine-tune the bright model itself (its adaptation block), the rows
# with DAP the adaptation block that dap-pretrain trained from it.
without_dap=("finetune.init_adapter=$bright" "evaluate.result.row=without DAP")
step "5/7 dark domain, fully supervised, and the linear probe: without and with DAP, seeds $seeds"
run dark_baseline jobs/local/finetune.sh -n 2 --seeds "$seeds" lua/demo.lua run.name=demo_dark_baseline "${without_dap[@]}"
run dark_dap jobs/local/finetune.sh -n 2 --seeds "$seeds" lua/demo.lua
run probe_before jobs/local/finetune.sh -n 2 --seeds "$seeds" lua/demo_probe.lua run.name=demo_probe_before \
  "finetune.init_adapter=$bright" "evaluate.result.row=before DAP"
run probe_after jobs/local/finetune.sh -n 2 --seeds "$seeds" lua/demo_probe.lua

step "6/7 source-free (sunlit -> dark) and multi-source (bright -> dark): without and with DAP"
for setting in sfvda msvda; do
  run "${setting}_baseline" jobs/local/finetune.sh -n 2 --seeds "$seeds" "lua/demo_$setting.lua" \
    "run.name=demo_${setting}_baseline" "${without_dap[@]}"
  run "${setting}_dap" jobs/local/finetune.sh -n 2 --seeds "$seeds" "lua/demo_$setting.lua"
done

step "7/7 tables (mean +- std over seeds)"
names=(bright dark_baseline dark probe_before probe source_sunlit sfvda_baseline sfvda msvda_baseline msvda)
list=$(printf '"%s/demo_%s",' $(printf "$runs %s " "${names[@]}") | sed 's/,$//')
run tables jobs/local/evaluate.sh lua/demo.lua "evaluate.aggregate.runs={$list}" \
  "evaluate.aggregate.output=$runs/demo_results" evaluate.aggregate.name=demo
echo
cat "$runs/demo_results/demo.md"
printf '\ndemo finished in %d s; tables: %s/demo_results/demo.{md,csv,json}, loss curves: %s/demo_results/demo_finetune_loss.png, confusion matrices: %s/demo_*/evaluate/*/confusion.png\n' \
  $((SECONDS - start)) "$runs" "$runs" "$runs"
