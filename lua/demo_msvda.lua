-- The demo's multi-source setting: as lua/demo_sfvda.lua, with the pseudo-labels of the
-- model trained on all three bright domains (lua/demo_bright.lua).
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "demo_sfvda.lua",
  run = { name = "demo_msvda" },
  finetune = { labels = { predictions = runs .. "/demo_bright/teacher_on_dark/predictions.h5" } },
  evaluate = { result = { table = "Demo: multi-source, bright -> dark", row = "+ DAP" } },
}
