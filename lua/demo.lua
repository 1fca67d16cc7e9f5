-- The demo (README: bash scripts/demo.sh): the paper's comparison on synthetic dark-scene
-- actions that two cores can run in minutes. Data from build/bin/dap-synth in
-- $DAP_DEMO_DATA (default out/demo_data): six actions that only motion tells apart, three
-- bright source domains (sunlit, overcast, studio) and a dark target domain recorded by a
-- low-light camera model (photon and read noise, gamma). One preprocessed data set holds
-- every domain; each experiment selects its clips by the list files dap-synth writes:
-- train, val (every design decision of the demo was made on it: DAP_DEMO_SPLIT=val,
-- docs/DEMO.md) and test (scored by the demo only).
-- This file is the target side: domain-adaptive pretraining on the dark training clips
-- (unlabelled), fine-tuning on them, evaluation on the dark test clips. The starting point
-- is the small video model that lua/demo_bright.lua trains from scratch on the bright
-- domains, standing in for large-scale pretraining: its R(2+1)D is the frozen backbone and
-- its progressive adaptation block is where DAP starts. The row without DAP fine-tunes
-- that same model directly:
--   finetune.init_adapter=runs/demo_bright/finetune/seed0/model.pt run.name=demo_dark_baseline
-- scripts/demo.sh runs every experiment in order.
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"
local bright = runs .. "/demo_bright/finetune/seed0/model.pt"
-- The split every experiment is scored on: "test" (the demo), "val" while designing.
local split = os.getenv("DAP_DEMO_SPLIT") or "test"

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
    -- dap-synth renders 64 px; the models see 32 px (four times less compute than 64 px).
    resize = { height = 32, width = 32, mode = "crop" },
    output = { dir = "out/data/demo_actions", videos_per_shard = 64 },
  },

  pretrain = {
    data = { ids = data .. "/dark_train.csv" },
    -- A small R(2+1)D (one block per stage) with the paper's R(2+1)D adaptation block.
    backbone = {
      kind = "r2plus1d",
      weights = bright,
      r2plus1d = { layers = { 1, 1, 1, 1 }, widths = { 16, 32, 64, 128 }, stem_mid_width = 16, stem_width = 16,
                   variant = "torchvision", num_classes = 0, input_size = 32 },
    },
    init_adapter = bright,
    adapter = { mode = "pab", width = 128, num_layers = 4, input_widths = { 16, 32, 64, 128 }, num_frames = 0,
                temporal_layers = 1, heads = 4, mlp_ratio = 2 },
    head = { hidden_dim = 256, bottleneck_dim = 64, out_dim = 1024 },
    views = { num_frames = 8, size = 32, local_size = 16, patch_size = 8 },
    -- Few steps: with DINO's teacher momentum of 0.996 the EMA teacher (whose adaptation
    -- block DAP hands to fine-tuning) would barely leave its start; 0.9 lets it follow.
    distillation = { momentum_teacher = 0.9 },
    optim = { global_batch = 16, epochs = 4, warmup_epochs = 0.5, lr = 5e-4 },
    checkpoint = { every_steps = 50 },
    loader = { workers = 1 },
  },

  -- The paper's recipe: the pretrained adaptation block at a small learning rate, the new
  -- linear head at ten times that; the backbone frozen, as in pretraining.
  finetune = {
    data = { ids = data .. "/dark_train.csv" },
    head = { kind = "linear" },
    train_backbone = false,
    optim = { global_batch = 16, epochs = 3, warmup_epochs = 0.5, lr_pretrained = 1e-4, lr_new = 1e-3,
              weight_decay = 0.05 },
    checkpoint = { every_steps = 50 },
    loader = { workers = 1 },
  },

  evaluate = {
    data = { ids = data .. "/dark_" .. split .. ".csv" },
    result = { table = "Demo: dark domain, fully supervised", row = "+ DAP" },
  },
}
