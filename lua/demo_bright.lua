-- The demo's stand-in for large-scale pretraining: the backbone (with a fresh adaptation
-- block and a linear head) trained from scratch on the labelled training clips of the
-- three bright domains (sunlit, overcast, studio). Its model.pt is the backbone of every
-- dark-domain experiment (lua/demo.lua) and the multi-source teacher (lua/demo_msvda.lua).
-- The demo scores it on the held-out bright test clips (it must be strong there to be
-- worth adapting) and on the dark test clips, raw and SCI-enhanced.
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"

return {
  base = "demo.lua",

  run = { name = "demo_bright" },

  -- Random initialisation: this run trains the backbone (its BatchNorm statistics too).
  pretrain = { backbone = { weights = "" }, init_adapter = "" },

  finetune = {
    data = { ids = data .. "/bright_train.csv" },
    init_adapter = "none",
    train_backbone = true,
    optim = { global_batch = 12, epochs = 20, warmup_epochs = 1, lr_pretrained = 1e-3, lr_new = 1e-3, weight_decay = 0.05 },
  },

  -- Scored on the dark test clips: the "no adaptation at all" row.
  evaluate = {
    result = { table = "Demo: dark domain, fully supervised", row = "bright model, not adapted" },
  },
}
