-- Paper Table 1 / Table 4, ARID fully supervised, R(2+1)D-34 + DAP (DarkLight's backbone):
-- IG65M weights (r2plus1d_34_clip32_ig65m_from_scratch-449a7af9.pth) at $DAP_R2PLUS1D_IG65M,
-- 64 frames at 112x112, PAB over the four stages with 2 temporal layers (paper 4.1), and as
-- paper 4.1 CLIP's text encoder as the classifier (lua/arid_clip_vit.lua's text head: weights
-- $DAP_CLIP_VIT_B16, text encoder fine-tuned, ActionCLIP's loss). A linear head instead:
-- finetune.head.kind=linear finetune.loss=cross_entropy (give it its own run.name).
-- Data as in lua/arid_clip_vit.lua. Table 4's rows: lua/arid_r2plus1d_{baseline,lock_encoder,
-- train_encoder}.lua.
local lists = (os.getenv("ARID_ROOT") or "data/ARID") .. "/raw/list_cvt"

return {
  base = "arid_clip_vit.lua",

  run = { name = "arid_r2plus1d" },

  preprocess = {
    -- 128 stored frames (about every frame of most ARID clips): 2 candidates in each of the
    -- 64 segments, for training jitter and the local view's own frames.
    sampling = { mode = "uniform", num_frames = 128 },
    -- The whole 320x240 frame resized to 112x112 (METHOD.md 2).
    resize = { height = 112, width = 112, mode = "stretch" },
  },

  pretrain = {
    backbone = {
      kind = "r2plus1d",
      weights = os.getenv("DAP_R2PLUS1D_IG65M") or "assets/r2plus1d/r2plus1d_34_clip32_ig65m_from_scratch-449a7af9.pth",
    },
    -- Stage widths 64..512; time halves in layer2..4, so 64 frames leave 8. Paper 4.1: 2 temporal
    -- self-attention layers with R(2+1)D-34 (6 with ViT-B/16, base.lua's default).
    adapter = { width = 512, num_layers = 4, input_widths = { 64, 128, 256, 512 }, num_frames = 8, heads = 8,
                temporal_layers = 2 },
    -- torchvision / IG65M video normalisation; 112 = 7 mix cells of 16 px. The local view keeps
    -- paper 3.1's local/global ratio (96/224) at DarkLight's 112 px global size: 48 px (METHOD.md 9).
    views = {
      num_frames = 64, size = 112, local_size = 48, patch_size = 16, jitter = true,
      mean = { 0.43216, 0.394666, 0.37645 }, std = { 0.22803, 0.22145, 0.216989 },
    },
  },

  finetune = {
    data = { ids = lists .. "/ARID_split{split}_train.txt", ids_format = "arid" },
  },

  evaluate = {
    result = { row = "R(2+1)D-34 + DAP" },
  },
}
