-- A tiny but complete pretraining run for tests and the benchmark: the 11
-- bundled real clips at 32x32, a 2-layer CLIP-shaped ViT initialised from the
-- seed, the full PAB / DINO machinery at small widths. Runs in seconds:
--   dap-preprocess --config lua/pretrain_tiny.lua
--   dap-pretrain   --config lua/pretrain_tiny.lua
return {
  base = "base.lua",

  run = { name = "pretrain_tiny" },

  preprocess = {
    data = {
      name = "tiny",
      root = "assets/videos/real",
      manifest = "data_manifest/demo_real.csv",
    },
    sampling = { num_frames = 8 },
    resize = { height = 32, width = 32, mode = "crop" },
    output = { root = "out/data", videos_per_shard = 4 },
  },

  pretrain = {
    backbone = {
      kind = "clip_vit",
      clip = { image_size = 32, patch_size = 8, width = 32, layers = 2, heads = 2, output_dim = 16 },
    },
    adapter = { width = 32, num_layers = 2, num_frames = 4, temporal_layers = 1, heads = 2, mlp_ratio = 2 },
    head = { hidden_dim = 64, bottleneck_dim = 16, out_dim = 256 },
    views = { num_frames = 4, size = 32, local_size = 16, patch_size = 8 },
    optim = { global_batch = 4, epochs = 3, warmup_epochs = 1, lr = 5e-4 },
    loader = { workers = 1, prefetch = 2 },
    checkpoint = { every_steps = 2 },
  },
}
