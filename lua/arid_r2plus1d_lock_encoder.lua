-- Paper Table 4, "lock encoder" row, fully supervised (ARID, R(2+1)D-34): domain-adaptive
-- pretraining of a temporal transformer over the last stage's frame features (ActionCLIP's
-- fusion; the encoder stays frozen) instead of the PAB. Its numbers land as a row of
-- lua/arid_r2plus1d.lua's table, beside the baseline and PAB rows of Table 4:
--   jobs/slurm/full_pipeline.sh --splits 1,2,3 lua/arid_r2plus1d_lock_encoder.lua
-- Paper 4.5.1 names ActionCLIP's seqTransf module for this row, so it has ActionCLIP's 6 layers
-- (8 heads = 512/64), as the CLIP rows; paper 4.1's 2 layers for R(2+1)D-34 are the PAB's.
return {
  base = "arid_r2plus1d.lua",
  run = { name = "arid_r2plus1d_lock_encoder" },
  pretrain = { adapter = { mode = "lock_encoder", temporal_layers = 6 } },
  evaluate = { result = { row = "R(2+1)D-34 + DAP, lock encoder (Table 4)" } },
}
