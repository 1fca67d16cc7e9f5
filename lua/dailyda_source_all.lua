-- Daily-DA multi-source adaptation, step 1 of 2: the source model trained on the union of
-- the three source domains (K600, MIT, H51; each preprocessed with its
-- lua/dailyda_source_*.lua), then predicting the unlabelled A11 training clips for
-- lua/dailyda_msvda.lua.
--   jobs/local/finetune.sh lua/dailyda_source_all.lua
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "dailyda_source_k600.lua",
  run = { name = "dailyda_source_all" },
  finetune = {
    data = { shards = { "out/data/dailyda_Kinetics", "out/data/dailyda_MIT", "out/data/dailyda_HMDB51" } },
  },
  evaluate = { output = runs .. "/dailyda_source_all/teacher_on_A11/seed{seed}" },
}
