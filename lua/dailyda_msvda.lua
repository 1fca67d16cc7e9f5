-- Paper Table 2, Daily-DA multi-source adaptation Daily -> A11, step 2 of 2: domain-adaptive
-- pretraining on A11, then fine-tuning on the pseudo-labels of the multi-source model
-- (lua/dailyda_source_all.lua; selection as lua/dailyda_sfvda_k600.lua: every clip with its
-- top-1 class), 5 seeds:
--   jobs/local/pretrain.sh lua/dailyda_msvda.lua
--   jobs/local/finetune.sh --seeds 0,1,2,3,4 lua/dailyda_msvda.lua
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "dailyda_sfvda_k600.lua",
  run = { name = "dailyda_msvda" },
  finetune = { labels = { predictions = runs .. "/dailyda_source_all/teacher_on_A11/seed{seed}/predictions.h5" } },
  evaluate = { result = { table = "Table 2: Daily-DA, multi-source (MSVDA)", column = "Daily->A11" } },
}
