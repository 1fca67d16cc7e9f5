-- A tiny but complete fine-tuning and evaluation run for tests: the synthetic
-- colour task of tests/python/synthetic_task.py (4 classes, 32x32 videos; the
-- class shows in the top-left quadrant only) in the folder $DAP_TINY_TASK,
-- the tiny ViT and adapter of pretrain_tiny.lua, a linear head. Runs in seconds:
--   dap-preprocess --config lua/finetune_tiny.lua
--   dap-pretrain   --config lua/finetune_tiny.lua
--   dap-finetune   --config lua/finetune_tiny.lua
--   dap-evaluate   --config lua/finetune_tiny.lua
local task = os.getenv("DAP_TINY_TASK") or "out/tiny_task"

return {
  base = "pretrain_tiny.lua",

  -- Split 1 of the task: pretraining sees its training clips only, never its test clips.
  run = { name = "finetune_tiny", split = "1" },

  preprocess = {
    data = {
      name = "tiny_task",
      root = task .. "/videos",
      manifest = task .. "/manifest.csv",
      class_names = { "red", "green", "blue", "yellow" },
    },
    sampling = { num_frames = 8 },
    resize = { height = 32, width = 32, mode = "crop" },
    output = { videos_per_shard = 16 },
  },

  pretrain = {
    data = { ids = task .. "/split{split}_train.csv" },
    optim = { global_batch = 8, epochs = 2 },
  },

  finetune = {
    data = { ids = task .. "/split{split}_train.csv" },
    head = {
      kind = "linear",
      text = {
        encoder = { width = 64, layers = 2, heads = 2, embed_dim = 16 },  -- = the tiny ViT's output_dim
        templates = { "a video of a person {}" },
      },
    },
    optim = { global_batch = 8, epochs = 8, warmup_epochs = 1, lr_pretrained = 5e-4, lr_new = 2e-3,
              weight_decay = 0.05 },
    checkpoint = { every_steps = 10 },
    loader = { workers = 1 },
  },

  evaluate = {
    data = { ids = task .. "/split{split}_test.csv" },
    result = { table = "Tiny colour task", row = "DAP" },
  },
}
