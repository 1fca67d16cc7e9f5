-- Paper Table 1, ARID fully supervised, the "Timesformer" row: TimeSformer fine-tuned directly,
-- without domain-adaptive pretraining. The paper gives this row no recipe; dap runs it like
-- the CLIP and R(2+1)D rows without DAP, i.e. Table 4's baseline (paper 4.5.1: direct
-- fine-tuning; ActionCLIP in the DA columns): a fresh seqTransf fusion (lock_encoder, 6 layers,
-- 12 heads = 768/64) over the last block's per-frame features (METHOD.md 6), the text head,
-- fine-tuned (docs/EXPERIMENTS.md). A fresh PAB instead: pretrain.adapter.mode=pab (own run.name).
-- No dap-pretrain run is needed; the shards are arid_clip_vit.lua's.
--   sbatch --array=0-2 jobs/slurm/finetune.sbatch --splits 1,2,3 lua/arid_timesformer_baseline.lua
return {
  base = "arid_timesformer.lua",
  run = { name = "arid_timesformer_baseline" },
  pretrain = { adapter = { mode = "lock_encoder", temporal_layers = 6 } },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "TimeSformer" } },
}
