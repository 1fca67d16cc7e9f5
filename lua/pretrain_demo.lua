-- Demo pretraining on the bundled real clips, preprocessed by
-- lua/preprocess_demo.lua (this file derives from it, so both stages find the
-- same shard folder). A small CLIP-shaped ViT (random init: the real weights
-- are not bundled) at 112 px with the full method on top: four views,
-- progressive adaptation block, DINO head, EMA teacher. About a minute on 2 cores:
--   jobs/local/preprocess.sh -n 2 lua/pretrain_demo.lua
--   jobs/local/pretrain.sh   -n 2 lua/pretrain_demo.lua
return {
  base = "preprocess_demo.lua",

  run = { name = "pretrain_demo" },

  pretrain = {
    backbone = {
      kind = "clip_vit",
      clip = { image_size = 112, patch_size = 16, width = 128, layers = 4, heads = 4, output_dim = 64 },
    },
    adapter = { width = 128, num_layers = 4, num_frames = 8, temporal_layers = 2, heads = 4 },
    head = { hidden_dim = 256, bottleneck_dim = 64, out_dim = 1024 },
    views = { num_frames = 8, size = 112, local_size = 48, patch_size = 16 },
    optim = { global_batch = 4, epochs = 10, warmup_epochs = 1, lr = 5e-4 },
    checkpoint = { every_steps = 10 },
  },
}
