-- The demo's stand-in for large-scale pretraining: the backbone (with a fresh adaptation
-- block and a linear head) trained from scratch on the labelled clips of the three bright
-- domains (sunlit, overcast, studio). Its model.pt is the backbone of every dark-domain
-- experiment (lua/demo.lua) and the multi-source teacher (lua/demo_msvda.lua). Preprocess
-- each bright domain first (scripts/demo.sh does), e.g. for sunlit:
--   jobs/local/preprocess.sh lua/demo_bright.lua preprocess.data.name=demo_sunlit \
--       preprocess.data.manifest=out/demo_data/sunlit_all.csv preprocess.output.dir=out/data/demo_sunlit
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"

return {
  base = "demo.lua",

  run = { name = "demo_bright" },

  -- Random initialisation: this run trains the backbone. Its adaptation block is not kept.
  pretrain = { backbone = { weights = "" }, adapter = { mode = "lock_encoder" } },

  finetune = {
    data = { shards = { "out/data/demo_sunlit", "out/data/demo_overcast", "out/data/demo_studio" }, ids = "" },
    init_adapter = "none",
    optim = { epochs = 30, lr_pretrained = 3e-3, lr_new = 3e-3, weight_decay = 0.0 },
  },

  -- Scored on the dark test clips: the "no adaptation at all" row.
  evaluate = {
    result = { table = "Demo: dark domain, fully supervised", row = "bright model, not adapted" },
  },
}
