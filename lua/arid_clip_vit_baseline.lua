-- Paper Table 1, ARID fully supervised, the CLIP ViT-B/16 row without domain-adaptive
-- pretraining (ActionCLIP): the same backbone, text head and fine-tuning, with a fresh
-- temporal transformer over the last layer's frame features (adapter.mode = lock_encoder,
-- ActionCLIP's "Transf" fusion) instead of a pretrained PAB. No dap-pretrain run is needed;
-- the preprocessed shards are arid_clip_vit.lua's.
--   sbatch --array=0-2 jobs/slurm/finetune.sbatch --splits 1,2,3 lua/arid_clip_vit_baseline.lua
return {
  base = "arid_clip_vit.lua",
  run = { name = "arid_clip_vit_baseline" },
  pretrain = { adapter = { mode = "lock_encoder" } },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "CLIP ViT-B/16 (ActionCLIP)" } },
}
