-- Daily-DA source-free adaptation, step 1 of 2 for K600 -> A11: the source model. It is
-- fine-tuned on the labelled Kinetics-600 training clips (preprocessed here), then predicts
-- the unlabelled A11 training clips; only those predictions travel to the target side
-- (lua/dailyda_sfvda_k600.lua), the source data is not used again.
--   jobs/local/preprocess.sh lua/dailyda_source_k600.lua   (and lua/dailyda_base.lua for A11)
--   jobs/local/finetune.sh lua/dailyda_source_k600.lua     (fine-tune, then predict A11 train)
-- MIT and H51: lua/dailyda_source_mit.lua, lua/dailyda_source_h51.lua.
local root = os.getenv("DAILYDA_ROOT") or "data/Daily-DA"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"
local source, prefix = "Kinetics", "kinetics_daily"

return {
  base = "dailyda_base.lua",

  run = { name = "dailyda_source_k600" },

  preprocess = {
    data = {
      name = "dailyda_" .. source,
      root = root .. "/" .. source .. "/raw/data",
      manifest = root .. "/" .. source .. "/raw/list_cvt/" .. prefix .. "_msda_train.txt",
    },
    output = { dir = "out/data/dailyda_" .. source },
  },

  finetune = {
    data = { shards = { "out/data/dailyda_" .. source }, ids = "" },
    init_adapter = "none",  -- the source model is plain ActionCLIP
  },
  -- ActionCLIP's "Transf" fusion over the 512-d CLIP frame embeddings, 6 layers, 8 heads.
  pretrain = {
    adapter = { mode = "lock_encoder", lock_input = "embedding", width = 512, heads = 8, temporal_layers = 6 },
  },

  -- The teacher's predictions on the target's training clips (not a table entry).
  evaluate = {
    data = { shards = { "out/data/dailyda_ARID" }, ids = root .. "/ARID/raw/list_cvt/arid_msda_train.txt" },
    -- "{seed}" is pretrain.seed: one teacher per seed when the whole chain varies
    -- (--seeds ... --seed-scope chain); otherwise seed0.
    output = runs .. "/dailyda_source_k600/teacher_on_A11/seed{seed}",
  },
}
