-- Paper Table 4, "lock encoder" row, fully supervised (ARID, R(2+1)D-34): domain-adaptive
-- pretraining of a temporal transformer over the last stage's frame features (ActionCLIP's
-- fusion; the encoder stays frozen) instead of the PAB. Its numbers land as a row of
-- lua/arid_r2plus1d.lua's table, beside the baseline and PAB rows of Table 4:
--   jobs/slurm/full_pipeline.sh --splits 1,2,3 lua/arid_r2plus1d_lock_encoder.lua
return {
  base = "arid_r2plus1d.lua",
  run = { name = "arid_r2plus1d_lock_encoder" },
  pretrain = { adapter = { mode = "lock_encoder" } },
  evaluate = { result = { row = "R(2+1)D-34 + DAP, lock encoder (Table 4)" } },
}
