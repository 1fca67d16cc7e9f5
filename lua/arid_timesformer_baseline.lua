-- Paper Table 1, ARID fully supervised, the TimeSformer row without domain-adaptive
-- pretraining: the same network (lua/arid_timesformer.lua) fine-tuned from a fresh
-- adaptation block. No dap-pretrain run is needed; the shards are arid_clip_vit.lua's.
--   sbatch --array=0-2 jobs/slurm/finetune.sbatch --splits 1,2,3 lua/arid_timesformer_baseline.lua
return {
  base = "arid_timesformer.lua",
  run = { name = "arid_timesformer_baseline" },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "TimeSformer" } },
}
