-- Daily-DA source-free adaptation, step 1 of 2 for MIT -> A11 (see lua/dailyda_source_k600.lua).
local root = os.getenv("DAILYDA_ROOT") or "data/Daily-DA"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"
local source, prefix = "MIT", "mit"

return {
  base = "dailyda_source_k600.lua",
  run = { name = "dailyda_source_mit" },
  preprocess = {
    data = {
      name = "dailyda_" .. source,
      root = root .. "/" .. source .. "/raw/data",
      manifest = root .. "/" .. source .. "/raw/list_cvt/" .. prefix .. "_msda_train.txt",
    },
    output = { dir = "out/data/dailyda_" .. source },
  },
  finetune = { data = { shards = { "out/data/dailyda_" .. source } } },
  evaluate = { output = runs .. "/dailyda_source_mit/teacher_on_A11/seed{seed}" },
}
