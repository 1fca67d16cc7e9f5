-- The demo (README: bash scripts/demo.sh): the paper's comparison on synthetic dark-scene
-- actions that two cores can run in minutes. Data from build/bin/dap-synth in
-- $DAP_DEMO_DATA (default out/demo_data): six actions that only motion tells apart, three
-- bright source domains (sunlit, overcast, studio) and a dark target domain recorded by a
-- low-light camera model (photon and read noise, gamma). One preprocessed data set holds
-- every domain; each experiment selects its clips by the list files dap-synth writes.
-- This file is the target side: domain-adaptive pretraining on the dark training clips
-- (unlabelled), fine-tuning on them, evaluation on the dark test clips. The starting point
-- is the small video model that lua/demo_bright.lua trains from scratch on the bright
-- domains, standing in for large-scale pretraining: its frame encoder is the frozen
-- backbone and its temporal transformer (the lock-encoder adaptation block) is where DAP
-- starts. The row without DAP fine-tunes that same model directly:
--   finetune.init_adapter=runs/demo_bright/finetune/seed0/model.pt run.name=demo_dark_baseline
-- scripts/demo.sh runs every experiment in order.
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "base.lua",

  run = { name = "demo_dark", root = runs },

  preprocess = {
    data = {
      name = "demo_actions",
      root = data .. "/videos",
      manifest = data .. "/all.csv",
      class_map = data .. "/classes.txt",
    },
    sampling = { mode = "uniform", num_frames = 8 },
    resize = { height = 64, width = 64, mode = "crop" },
    output = { dir = "out/data/demo_actions", videos_per_shard = 64 },
  },

  pretrain = {
    data = { ids = data .. "/dark_train.csv" },
    backbone = {
      kind = "clip_vit",
      weights = runs .. "/demo_bright/finetune/seed0/model.pt",
      clip = { image_size = 64, patch_size = 8, width = 64, layers = 4, heads = 4, output_dim = 32 },
    },
    init_adapter = runs .. "/demo_bright/finetune/seed0/model.pt",
    adapter = { mode = "lock_encoder", width = 64, num_layers = 4, num_frames = 8, temporal_layers = 1, heads = 4,
                mlp_ratio = 2 },
    head = { hidden_dim = 128, bottleneck_dim = 32, out_dim = 256 },
    views = { num_frames = 8, size = 64, local_size = 32, patch_size = 8 },
    -- 44 steps: with DINO's teacher momentum of 0.996 the EMA teacher (whose adaptation block
    -- DAP hands to fine-tuning) would stay within 16% of its start; 0.9 lets it follow.
    distillation = { momentum_teacher = 0.9 },
    optim = { global_batch = 16, epochs = 2, warmup_epochs = 0.5, lr = 5e-4 },
    checkpoint = { every_steps = 50 },
    loader = { workers = 1 },
  },

  finetune = {
    data = { ids = data .. "/dark_train.csv" },
    head = { kind = "linear" },
    train_backbone = false,
    optim = { global_batch = 16, epochs = 2, warmup_epochs = 0.5, lr_pretrained = 1e-4, lr_new = 1e-3,
              weight_decay = 0.05 },
    checkpoint = { every_steps = 50 },
    loader = { workers = 1 },
  },

  evaluate = {
    data = { ids = data .. "/dark_test.csv" },
    result = { table = "Demo: dark domain, fully supervised", row = "+ DAP" },
  },
}
