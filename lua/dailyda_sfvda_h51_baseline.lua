-- Paper Table 3, Daily-DA source-free H51 -> A11, the ActionCLIP row (no domain-adaptive
-- pretraining): lua/dailyda_sfvda_h51.lua's pseudo-labels and fine-tuning with ActionCLIP's
-- fusion (a fresh temporal transformer over the 512-d CLIP frame embeddings, 6 layers,
-- 8 heads) instead of a pretrained PAB. No dap-pretrain run is needed:
--   jobs/local/finetune.sh --seeds 0,1,2,3,4 lua/dailyda_sfvda_h51_baseline.lua
return {
  base = "dailyda_sfvda_h51.lua",
  run = { name = "dailyda_sfvda_h51_baseline" },
  pretrain = {
    adapter = { mode = "lock_encoder", lock_input = "embedding", width = 512, heads = 8, temporal_layers = 6 },
  },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "CLIP ViT-B/16 (ActionCLIP)" } },
}
