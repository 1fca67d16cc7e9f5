-- Daily-DA (METHOD.md 7): 8 daily actions in four domains, the target being ARID (A11),
-- the sources HMDB51 (H51), Moments-in-Time (MIT) and Kinetics-600 (K600). This base is the
-- target side shared by the source-free (SFVDA) and multi-source (MSVDA) experiments:
-- the A11 clips preprocessed once, domain-adaptive pretraining on its training clips, and
-- evaluation on its test clips with CLIP ViT-B/16 and the text head.
--
-- Data under $DAILYDA_ROOT: <root>/<domain>/ holds the videos and the lists
-- <domain>_msda_train.txt / <domain>_msda_test.txt (idx<TAB>label<TAB>relpath) of the
-- Daily-DA release (rename or point the paths below at the release's file names), and for
-- preprocessing one list of every clip of the domain, e.g.
--   cat ARID/ARID_msda_{train,test}.txt > ARID/ARID_msda_all.txt
-- Preprocessed shards go to out/data/dailyda_<domain> so that the source and target
-- experiments can name each other's. Runs go to $DAP_RUN_ROOT (default runs).
local root = os.getenv("DAILYDA_ROOT") or "data/Daily-DA"
local weights = os.getenv("DAP_CLIP_VIT_B16") or "assets/clip/ViT-B-16.pt"
local target = "ARID"

return {
  base = "base.lua",

  run = { name = "dailyda_target", root = os.getenv("DAP_RUN_ROOT") or "runs" },

  preprocess = {
    data = {
      name = "dailyda_" .. target,
      root = root .. "/" .. target,
      manifest = root .. "/" .. target .. "/" .. target .. "_msda_all.txt",
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
    data = { ids = root .. "/" .. target .. "/" .. target .. "_msda_train.txt", ids_format = "dailyda" },
    backbone = { kind = "clip_vit", weights = weights },
  },

  finetune = {
    data = { ids = root .. "/" .. target .. "/" .. target .. "_msda_train.txt", ids_format = "dailyda" },
    -- ActionCLIP's fine-tuning: text encoder trained too, its symmetric KL loss.
    head = { kind = "text", text = { weights = weights, train_encoder = true } },
    loss = "actionclip_kl",
  },

  evaluate = {
    data = { ids = root .. "/" .. target .. "/" .. target .. "_msda_test.txt", ids_format = "dailyda" },
  },
}
