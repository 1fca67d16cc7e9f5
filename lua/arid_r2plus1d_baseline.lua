-- Paper Table 1 "R(2+1)D" and Table 4's ARID "baseline" row: R(2+1)D-34 (DarkLight's backbone)
-- fine-tuned directly, without domain-adaptive pretraining. Paper 4.5.1 defines the baseline as
-- direct fine-tuning, and Table 4's DA columns show it is ActionCLIP (47.22 / 52.11 are Tables
-- 2/3's ActionCLIP rows); so this row is ActionCLIP's recipe on R(2+1)D-34: a fresh seqTransf
-- fusion (lock_encoder, 6 layers, 8 heads) over the last stage's frame features, the text head,
-- fine-tuned. Table 1's 94.04 is cited to DarkLight [43] with no recipe of the paper's own;
-- this row stands for Table 4's 96.30 (docs/EXPERIMENTS.md). A fresh PAB instead (DAP's
-- network minus its pretraining): pretrain.adapter.mode=pab pretrain.adapter.temporal_layers=2,
-- own run.name.
-- No dap-pretrain run is needed; the shards are lua/arid_r2plus1d.lua's.
--   sbatch --array=0-2 jobs/slurm/finetune.sbatch --splits 1,2,3 lua/arid_r2plus1d_baseline.lua
return {
  base = "arid_r2plus1d.lua",
  run = { name = "arid_r2plus1d_baseline" },
  pretrain = { adapter = { mode = "lock_encoder", temporal_layers = 6 } },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "R(2+1)D-34" } },
}
