-- Paper Table 1 / Table 5, ARID fully supervised, CLIP ViT-B/16 + DAP (METHOD.md 5-8).
-- Data: ARID v1.0 (from its authors) under $ARID_ROOT (default data/ARID), laid out as
-- the authors' code reads it (github.com/xuyu0010/ARID_v1):
--   raw/data/<Class>/<Class>_<a>_<b>.avi                  the 3,784 clips
--   raw/list_cvt/ARID_split{1,2,3}_{train,test,other}.txt  the split lists (idx, label, path)
-- plus one list of every clip for preprocessing (docs/REPRODUCING.md):
--   cat $ARID_ROOT/raw/list_cvt/ARID_split1_{train,test,other}.txt > $ARID_ROOT/raw/list_cvt/ARID_all.txt
-- Weights: OpenAI's ViT-B-16.pt at $DAP_CLIP_VIT_B16 (default assets/clip/ViT-B-16.pt).
-- The paper averages splits 1-3, each with its own pretraining on its own training clips
-- (run.split names the split; pretraining of split S lands in runs/arid_clip_vit/pretrain/splitS):
--   jobs/slurm/full_pipeline.sh --splits 1,2,3 --seeds 0,1,2,3,4 lua/arid_clip_vit.lua
-- or stage by stage (each with --dependency=afterok on the one before):
--   sbatch jobs/slurm/preprocess.sbatch lua/arid_clip_vit.lua
--   sbatch --array=0-2 -n 4 --gpus-per-task=1 jobs/slurm/pretrain.sbatch --splits 1,2,3 lua/arid_clip_vit.lua
--   sbatch --array=0-2 -n 4 --gpus-per-task=1 jobs/slurm/finetune.sbatch --splits 1,2,3 lua/arid_clip_vit.lua
--   sbatch jobs/slurm/evaluate.sbatch lua/arid_clip_vit.lua \
--       'evaluate.aggregate.runs={"runs/arid_clip_vit","runs/arid_clip_vit_baseline"}'
-- lua/arid_clip_vit_baseline.lua is the row without DAP and shares the preprocessed shards.
-- Fine-tuning refuses an adapter that was pretrained on any test clip of its split.
local root = os.getenv("ARID_ROOT") or "data/ARID"
local lists = root .. "/raw/list_cvt"
local weights = os.getenv("DAP_CLIP_VIT_B16") or "assets/clip/ViT-B-16.pt"

return {
  base = "base.lua",

  run = { name = "arid_clip_vit", split = "1" },

  preprocess = {
    data = {
      name = "arid",
      root = root .. "/raw/data",
      manifest = lists .. "/ARID_all.txt",
      manifest_format = "arid",
      class_map = "assets/arid/ARID_v1_mapping_table.txt",
    },
    -- 32 stored frames per clip: each of a view's 8 segments holds 4 candidates, so training
    -- jitter and the local view's own frame indices have frames to choose from.
    sampling = { mode = "uniform", num_frames = 32 },
    -- Global views keep the whole frame (paper 3.1): ARID's 320x240 is resized to 224x224
    -- (stretched, nothing cut away; METHOD.md 2).
    resize = { height = 224, width = 224, mode = "stretch" },
  },

  pretrain = {
    -- Domain-adaptive pretraining sees the (unlabelled) training clips of run.split only.
    data = { ids = lists .. "/ARID_split{split}_train.txt", ids_format = "arid" },
    backbone = { kind = "clip_vit", weights = weights },
    -- base.lua's defaults are the paper's ViT-B/16 setting: 8 frames at 224, PAB over 12 layers.
  },

  finetune = {
    data = { ids = lists .. "/ARID_split{split}_train.txt", ids_format = "arid" },
    -- Paper 4.1 / ActionCLIP: the text encoder is fine-tuned too (lr_text 5e-6, a random
    -- template per class each step) with ActionCLIP's symmetric KL loss.
    head = { kind = "text", text = { weights = weights, train_encoder = true } },
    loss = "actionclip_kl",
    -- ActionCLIP's training transform (HMDB/UCF configs: no RandAugment), one draw per clip.
    augment = { kind = "actionclip" },
    -- ActionCLIP's AdamW (utils/solver.py) decays every parameter, biases and LayerNorms too.
    optim = { decay_all_parameters = true },
  },

  evaluate = {
    data = { ids = lists .. "/ARID_split{split}_test.txt", ids_format = "arid" },
    result = { table = "Table 1: ARID, fully supervised", row = "CLIP ViT-B/16 + DAP" },
  },
}
