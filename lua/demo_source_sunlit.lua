-- The demo's source-free setting, step 1: the source model, fine-tuned on the labelled
-- sunlit clips only (from the bright backbone of lua/demo_bright.lua). Its predictions on
-- the unlabelled dark training clips are all that lua/demo_sfvda.lua gets from the source.
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"

return {
  base = "demo.lua",
  run = { name = "demo_source_sunlit" },
  finetune = {
    data = { shards = { "out/data/demo_sunlit" }, ids = data .. "/sunlit_train.csv" },
    init_adapter = "none",
  },
  evaluate = {
    result = { table = "Demo: source-free, sunlit -> dark", row = "source model, not adapted" },
  },
}
