-- Paper Table 1, ARID fully supervised, R(2+1)D-34 without domain-adaptive pretraining:
-- the same network fine-tuned from a fresh adaptation block.
return {
  base = "arid_r2plus1d.lua",
  run = { name = "arid_r2plus1d_baseline" },
  finetune = { init_adapter = "none" },
  evaluate = { result = { row = "R(2+1)D-34" } },
}
