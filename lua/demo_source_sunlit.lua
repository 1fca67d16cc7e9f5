-- The demo's source-free setting, step 1: the source model, the bright model of
-- lua/demo_bright.lua fine-tuned on the labelled sunlit clips only. Its predictions on the
-- unlabelled dark training clips are all that lua/demo_sfvda.lua gets from the source.
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "demo.lua",
  run = { name = "demo_source_sunlit" },
  finetune = {
    data = { ids = data .. "/sunlit_train.csv" },
    init_adapter = runs .. "/demo_bright/finetune/seed0/model.pt",
    optim = { epochs = 4 },  -- 360 clips: 90 steps
  },
  evaluate = {
    result = { table = "Demo: source-free, sunlit -> dark", row = "source model, not adapted" },
  },
}
