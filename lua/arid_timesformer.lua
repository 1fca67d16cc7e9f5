-- Paper Table 1, ARID fully supervised, "Ours + TimeSformer": TimeSformer (divided
-- space-time attention, ViT-B/16, 8 frames at 224 px) pretrained on Kinetics-400 as
-- released by facebookresearch/TimeSformer (the model zoo of its README:
-- https://www.dropbox.com/s/g5t24we9gl5yk88/TimeSformer_divST_8x32_224_K400.pyth) at
-- $DAP_TIMESFORMER_K400, read as published (a torch.save file whose
-- "model_state" holds "model."-prefixed weights). DAP taps each block's patch tokens averaged
-- per frame (METHOD.md 6) into the paper's PAB over the 12 blocks.
-- Fine-tuning head: as every backbone in paper 4.1, CLIP's text encoder as the classifier
-- (lua/arid_clip_vit.lua's text head and ActionCLIP loss; the adapter's 768-d output is
-- projected into CLIP's 512-d text space by a new LayerNorm + linear map). TimeSformer's own
-- linear classifier instead: finetune.head.kind=linear finetune.loss=cross_entropy (give it
-- its own run.name).
-- Data: the shards of lua/arid_clip_vit.lua (32 stored frames at 224 px), normalised as
-- TimeSformer was trained (mean 0.45, std 0.225 per channel).
--   jobs/slurm/full_pipeline.sh --splits 1,2,3 --seeds 0,1,2,3,4 lua/arid_timesformer.lua
-- lua/arid_timesformer_baseline.lua is the row without DAP.
return {
  base = "arid_clip_vit.lua",

  run = { name = "arid_timesformer" },

  pretrain = {
    backbone = {
      kind = "timesformer",
      weights = os.getenv("DAP_TIMESFORMER_K400") or "assets/timesformer/TimeSformer_divST_8x32_224_K400.pyth",
      -- The released K400 model; TimeSformer-HR: image_size = 448, num_frames = 16;
      -- TimeSformer-L: num_frames = 96 (and views to match).
      timesformer = { image_size = 224, num_frames = 8, patch_size = 16, width = 768, layers = 12, heads = 12,
                      num_classes = 400 },
    },
    -- base.lua's PAB over 12 layers of width 768 with 8 time steps fits TimeSformer as it is.
    views = {
      num_frames = 8, size = 224, local_size = 96, patch_size = 16,
      mean = { 0.45, 0.45, 0.45 }, std = { 0.225, 0.225, 0.225 },
    },
  },

  evaluate = {
    result = { row = "TimeSformer + DAP" },
  },
}
