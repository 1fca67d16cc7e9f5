-- Paper Table 4, "lock encoder" row, SFVDA K600 -> A11: domain-adaptive pretraining of ActionCLIP's
-- fusion (a temporal transformer over the 512-d CLIP frame embeddings, 6 layers, 8 heads;
-- the encoder stays frozen) instead of the PAB. Its numbers land as a row of
-- lua/dailyda_sfvda_k600.lua's table:
--   jobs/local/pretrain.sh lua/dailyda_sfvda_k600_lock_encoder.lua
--   jobs/local/finetune.sh --seeds 0,1,2,3,4 lua/dailyda_sfvda_k600_lock_encoder.lua
return {
  base = "dailyda_sfvda_k600.lua",
  run = { name = "dailyda_sfvda_k600_lock_encoder" },
  pretrain = {
    adapter = { mode = "lock_encoder", lock_input = "embedding", width = 512, heads = 8, temporal_layers = 6 },
  },
  evaluate = { result = { row = "CLIP ViT-B/16 + DAP, lock encoder (Table 4)" } },
}
