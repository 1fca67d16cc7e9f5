-- Paper Table 4, "train encoder" row, fully supervised (ARID, R(2+1)D-34): the backbone is
-- trained during domain-adaptive pretraining too (student and EMA teacher each own a copy).
-- Its numbers land as a row of lua/arid_r2plus1d.lua's table:
--   jobs/slurm/full_pipeline.sh --splits 1,2,3 lua/arid_r2plus1d_train_encoder.lua
return {
  base = "arid_r2plus1d.lua",
  run = { name = "arid_r2plus1d_train_encoder" },
  pretrain = { backbone = { train_encoder = true } },
  evaluate = { result = { row = "R(2+1)D-34 + DAP, train encoder (Table 4)" } },
}
