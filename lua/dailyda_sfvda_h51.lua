-- Paper Table 3, Daily-DA source-free adaptation H51 -> A11, step 2 of 2 (see lua/dailyda_sfvda_k600.lua).
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "dailyda_sfvda_k600.lua",
  run = { name = "dailyda_sfvda_h51" },
  finetune = { labels = { predictions = runs .. "/dailyda_source_h51/teacher_on_A11/seed{seed}/predictions.h5" } },
  evaluate = { result = { column = "H51->A11" } },
}
