-- Small models, small frames and a few steps for the dress rehearsal of the paper's
-- experiments (tests/slurm/test_paper_rehearsal.sh). Exported as DAP_CONFIG_OVERLAY, it
-- applies over every shipped paper config, so that docs/REPRODUCING.md's
-- commands run exactly as written, only small: every data path, list, split, seed, chain and
-- table label stays the config's own.
return {
  preprocess = {
    sampling = { num_frames = 4 },
    resize = { height = 16, width = 16 },
    output = { videos_per_shard = 128 },
  },
  pretrain = {
    backbone = {
      weights = "",  -- random initialisation: the released weights are not here
      -- Every backbone layer 8 wide, so one adapter.input_widths fits CLIP, R(2+1)D and TimeSformer.
      clip = { image_size = 16, patch_size = 8, width = 8, layers = 4, heads = 2, output_dim = 16 },
      r2plus1d = { layers = { 1, 1, 1, 1 }, widths = { 8, 8, 8, 8 }, stem_mid_width = 8, stem_width = 8,
                   num_classes = 0, input_size = 16 },
      timesformer = { image_size = 16, num_frames = 2, patch_size = 8, width = 8, layers = 4, heads = 2,
                      mlp_ratio = 2, num_classes = 0 },
    },
    -- num_frames = 0: what the backbone gives (CLIP and TimeSformer 2 steps for 2 frames, R(2+1)D 1).
    adapter = { width = 16, num_layers = 4, input_widths = { 8, 8, 8, 8 }, num_frames = 0,
                temporal_layers = 1, heads = 2, mlp_ratio = 2 },
    head = { hidden_dim = 32, bottleneck_dim = 16, out_dim = 64 },
    views = { num_frames = 2, size = 16, local_size = 8, patch_size = 8 },
    optim = { global_batch = 128, epochs = 1, warmup_epochs = 0 },
    loader = { workers = 1 },
  },
  finetune = {
    head = { text = { weights = "", encoder = { width = 32, layers = 1, heads = 2, embed_dim = 16 } } },
    -- 32: a teacher's pseudo-labels may keep fewer clips than 128
    optim = { global_batch = 32, epochs = 1, warmup_epochs = 0 },
    loader = { workers = 1 },
  },
  evaluate = { batch = 64 },
}
