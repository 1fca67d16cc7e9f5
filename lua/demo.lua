-- The demo (README: bash scripts/demo.sh): the paper's comparison on synthetic dark-scene
-- actions that two cores can run in minutes. Data from build/bin/dap-synth in
-- $DAP_DEMO_DATA (default out/demo_data): six actions that only motion tells apart, three
-- bright source domains (sunlit, overcast, studio) and a dark target domain recorded by a
-- low-light camera model (photon and read noise, gain, gamma).
-- This file is the target side: the dark clips, domain-adaptive pretraining on the dark
-- training clips (unlabelled), fine-tuning on them, evaluation on the dark test clips. The
-- backbone is the one trained on the bright domains by lua/demo_bright.lua (standing in for
-- large-scale pretraining). scripts/demo.sh runs every experiment in order.
local data = os.getenv("DAP_DEMO_DATA") or "out/demo_data"
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "base.lua",

  run = { name = "demo_dark", root = runs },

  preprocess = {
    data = {
      name = "demo_dark",
      root = data .. "/videos",
      manifest = data .. "/dark_all.csv",
      class_map = data .. "/classes.txt",
    },
    sampling = { mode = "uniform", num_frames = 16 },
    resize = { height = 64, width = 64, mode = "crop" },
    output = { dir = "out/data/demo_dark", videos_per_shard = 32 },
  },

  pretrain = {
    data = { ids = data .. "/dark_train.csv" },
    backbone = {
      kind = "clip_vit",
      weights = runs .. "/demo_bright/finetune/seed0/model.pt",
      clip = { image_size = 64, patch_size = 8, width = 64, layers = 4, heads = 4, output_dim = 32 },
    },
    adapter = { width = 64, num_layers = 4, num_frames = 8, temporal_layers = 1, heads = 4, mlp_ratio = 2 },
    head = { hidden_dim = 128, bottleneck_dim = 32, out_dim = 512 },
    views = { num_frames = 8, size = 64, local_size = 32, patch_size = 8 },
    optim = { global_batch = 12, epochs = 10, warmup_epochs = 1, lr = 5e-4 },
    checkpoint = { every_steps = 20 },
    loader = { workers = 1 },
  },

  finetune = {
    data = { ids = data .. "/dark_train.csv" },
    head = { kind = "linear" },
    optim = { global_batch = 12, epochs = 15, warmup_epochs = 1, lr_pretrained = 1e-4, lr_new = 1e-3,
              weight_decay = 0.05 },
    checkpoint = { every_steps = 50 },
    loader = { workers = 1 },
  },

  evaluate = {
    data = { ids = data .. "/dark_test.csv" },
    result = { table = "Demo: dark domain, fully supervised", row = "+ DAP" },
  },
}
