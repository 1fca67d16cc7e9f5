# Seeds x splits, shared by jobs/slurm/finetune.sbatch and pretrain.sbatch (one array
# task each) and jobs/local/finetune.sh and pretrain.sh (one after another). Sourced:
#   dap_parse_seeds_splits [-n RANKS] [--seeds 0,1,2] [--splits 1,2,3] [--seed-scope finetune|chain]
#                          CONFIG [key.path=value ...]
# sets DAP_RANKS (the local runners' "-n RANKS", default -n 1), DAP_SEEDS and DAP_SPLITS
# (arrays; defaults: seed 0, and no split list, so the config's run.split stays),
# DAP_SEED_SCOPE and DAP_ARGS (CONFIG and the overrides). Fine-tuning task i of the sweep
# is seed DAP_SEEDS[i % #seeds], split DAP_SPLITS[i / #seeds] (dap_task_overrides i prints
# its overrides, one per line). Pretraining task i is split DAP_SPLITS[i]
# (dap_pretrain_overrides i), since each split is pretrained on its own clips; with
# --seed-scope chain a seed varies the whole chain, so pretraining is per (seed, split)
# too, in the same order as fine-tuning, and every stage gets pretrain.seed = the seed.

dap_parse_seeds_splits() {
  DAP_RANKS=(-n 1)
  DAP_SEEDS=(0)
  DAP_SPLITS=()
  DAP_SEED_SCOPE=
  while (($# > 0)); do
    case $1 in
      -n)
        DAP_RANKS=(-n "${2:?-n needs a number of ranks}")
        shift 2
        ;;
      --seeds)
        IFS=, read -r -a DAP_SEEDS <<<"${2:?--seeds needs a comma-separated list, e.g. 0,1,2,3,4}"
        shift 2
        ;;
      --splits)
        IFS=, read -r -a DAP_SPLITS <<<"${2:?--splits needs a comma-separated list, e.g. 1,2,3}"
        shift 2
        ;;
      --seed-scope)
        DAP_SEED_SCOPE=${2:?--seed-scope needs finetune or chain}
        [[ $DAP_SEED_SCOPE == finetune || $DAP_SEED_SCOPE == chain ]] || {
          echo "--seed-scope: '$DAP_SEED_SCOPE' is neither finetune nor chain" >&2
          return 2
        }
        shift 2
        ;;
      *) break ;;
    esac
  done
  DAP_ARGS=("$@")
  [[ -z $DAP_SEED_SCOPE ]] || DAP_ARGS+=("run.seed_scope=$DAP_SEED_SCOPE")
}

dap_task_count() {
  local splits=${#DAP_SPLITS[@]}
  echo $((${#DAP_SEEDS[@]} * (splits > 0 ? splits : 1)))
}

dap_task_overrides() {
  local i=$1 n=${#DAP_SEEDS[@]}
  echo "finetune.seed=${DAP_SEEDS[i % n]}"
  [[ $DAP_SEED_SCOPE != chain ]] || echo "pretrain.seed=${DAP_SEEDS[i % n]}"
  if ((${#DAP_SPLITS[@]} > 0)); then echo "run.split=${DAP_SPLITS[i / n]}"; fi
}

dap_pretrain_count() {
  local splits=${#DAP_SPLITS[@]}
  ((splits > 0)) || splits=1
  if [[ $DAP_SEED_SCOPE == chain ]]; then dap_task_count; else echo "$splits"; fi
}

dap_pretrain_overrides() {
  local i=$1
  if [[ $DAP_SEED_SCOPE == chain ]]; then
    dap_task_overrides "$i"
  elif ((${#DAP_SPLITS[@]} > 0)); then
    echo "run.split=${DAP_SPLITS[i]}"
  fi
}
