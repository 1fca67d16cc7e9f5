-- Daily-DA (METHOD.md 7): 8 daily actions in four domains, the target being ARID (A11),
-- the sources HMDB51 (H51), Moments-in-Time (MIT) and Kinetics-600 (K600). This base is the
-- target side shared by the source-free (SFVDA) and multi-source (MSVDA) experiments:
-- the A11 clips preprocessed once, domain-adaptive pretraining on its training clips, and
-- evaluation on its test clips with CLIP ViT-B/16 and the text head.
--
-- Data under $DAILYDA_ROOT (default data/Daily-DA), one folder per domain laid out as the
-- Daily-DA authors' code reads it (github.com/xuyu0010/ATCoN, dataset/):
--   ARID/raw/data/...      ARID/raw/list_cvt/arid_msda_{train,test}.txt
--   HMDB51/raw/data/...    HMDB51/raw/list_cvt/hmdb51_msda_{train,test}.txt
--   Kinetics/raw/data/...  Kinetics/raw/list_cvt/kinetics_daily_msda_{train,test}.txt
--   MIT/raw/data/...       MIT/raw/list_cvt/mit_msda_{train,test}.txt
-- (lists: idx<TAB>label<TAB>path under raw/data), and for preprocessing the target one list
-- of all its clips (docs/REPRODUCING.md):
--   cat ARID/raw/list_cvt/arid_msda_{train,test}.txt > ARID/raw/list_cvt/arid_msda_all.txt
-- Preprocessed shards go to out/data/dailyda_<domain> so that the source and target
-- experiments can name each other's. Runs go to $DAP_RUN_ROOT (default runs).
local root = os.getenv("DAILYDA_ROOT") or "data/Daily-DA"
local weights = os.getenv("DAP_CLIP_VIT_B16") or "assets/clip/ViT-B-16.pt"
local target = "ARID"
local lists = root .. "/" .. target .. "/raw/list_cvt/arid_msda_"

return {
  base = "base.lua",

  run = { name = "dailyda_target", root = os.getenv("DAP_RUN_ROOT") or "runs" },

  preprocess = {
    data = {
      name = "dailyda_" .. target,
      root = root .. "/" .. target .. "/raw/data",
      manifest = lists .. "all.txt",
      manifest_format = "dailyda",
      class_names = { "drink", "jump", "pick", "pour", "push", "run", "walk", "wave" },
    },
    -- 32 stored frames (4 candidates per segment of a view's 8) and the whole frame
    -- resized to 224x224, as lua/arid_clip_vit.lua.
    sampling = { mode = "uniform", num_frames = 32 },
    resize = { height = 224, width = 224, mode = "stretch" },
    output = { dir = "out/data/dailyda_" .. target },
  },

  pretrain = {
    data = { ids = lists .. "train.txt", ids_format = "dailyda" },
    backbone = { kind = "clip_vit", weights = weights },
  },

  finetune = {
    data = { ids = lists .. "train.txt", ids_format = "dailyda" },
    -- ActionCLIP's fine-tuning: text encoder trained too, its symmetric KL loss.
    head = { kind = "text", text = { weights = weights, train_encoder = true } },
    loss = "actionclip_kl",
    -- ActionCLIP's training transform (HMDB/UCF configs: no RandAugment), one draw per clip.
    augment = { kind = "actionclip" },
    -- ActionCLIP's AdamW (utils/solver.py) decays every parameter, biases and LayerNorms too.
    optim = { decay_all_parameters = true },
  },

  evaluate = {
    data = { ids = lists .. "test.txt", ids_format = "dailyda" },
  },
}
