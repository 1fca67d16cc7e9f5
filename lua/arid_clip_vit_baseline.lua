-- Paper Table 1, ARID fully supervised, the CLIP ViT-B/16 row without domain-adaptive
-- pretraining (ActionCLIP): the same backbone, text head and fine-tuning, with a fresh
-- temporal transformer as ActionCLIP's "Transf" fusion instead of a pretrained PAB: over
-- each frame's 512-d CLIP image embedding (ln_post(CLS) @ proj), 6 layers, 8 heads
-- (adapter.mode = lock_encoder, lock_input = embedding). The paper's row is ActionCLIP fine-tuned
-- directly (its 67.15 is Table 5's ActionCLIP; docs/EXPERIMENTS.md). No dap-pretrain run is
-- needed; the preprocessed shards are arid_clip_vit.lua's.
--   sbatch --array=0-2 jobs/slurm/finetune.sbatch --splits 1,2,3 lua/arid_clip_vit_baseline.lua
return {
  base = "arid_clip_vit.lua",
  run = { name = "arid_clip_vit_baseline" },
  pretrain = { adapter = { mode = "lock_encoder", lock_input = "embedding", width = 512, heads = 8, temporal_layers = 6 } },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "CLIP ViT-B/16 (ActionCLIP)" } },
}
