-- Paper Table 4, "train encoder" row, MSVDA (Daily -> A11): the CLIP backbone is trained during
-- domain-adaptive pretraining too. Its numbers land as a row of lua/dailyda_msvda.lua's table:
--   jobs/local/pretrain.sh lua/dailyda_msvda_train_encoder.lua
--   jobs/local/finetune.sh --seeds 0,1,2,3,4 lua/dailyda_msvda_train_encoder.lua
return {
  base = "dailyda_msvda.lua",
  run = { name = "dailyda_msvda_train_encoder" },
  pretrain = { backbone = { train_encoder = true } },
  evaluate = { result = { row = "CLIP ViT-B/16 + DAP, train encoder (Table 4)" } },
}
