-- The demo's linear probe: the mechanism alone. The frozen backbone and a frozen
-- adaptation block, only a new linear head trained on the labelled dark training clips
-- (finetune.optim.lr_pretrained = 0 keeps the block as it came: AdamW's decoupled weight
-- decay scales with the learning rate). "after DAP" reads the block that dap-pretrain
-- returned (lua/demo.lua's run); "before DAP" the bright model's own block:
--   finetune.init_adapter=runs/demo_bright/finetune/seed0/model.pt run.name=demo_probe_before "evaluate.result.row=before DAP"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "demo.lua",
  run = { name = "demo_probe" },
  finetune = {
    init_adapter = runs .. "/demo_dark/pretrain/adapter.pt",
    optim = { lr_pretrained = 0 },
  },
  evaluate = { result = { table = "Demo: linear probe on the frozen backbone + adaptation block (dark)", row = "after DAP" } },
}
