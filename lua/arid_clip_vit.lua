-- Paper Table 1 / Table 4, ARID fully supervised, CLIP ViT-B/16 + DAP (METHOD.md 5-8).
-- Data: ARID v1.0 (from its authors) under $ARID_ROOT: clips/<Class>/<Class>_a_b.avi
-- and the split lists lists/ARID_split{1,2,3}_{train,test}.txt, plus one list of every
-- clip for preprocessing, e.g.
--   cat $ARID_ROOT/lists/ARID_split1_{train,test,other}.txt > $ARID_ROOT/lists/ARID_all.txt
-- Weights: OpenAI's ViT-B-16.pt at $DAP_CLIP_VIT_B16 (default assets/clip/ViT-B-16.pt).
-- The pipeline for split 1 (the paper averages splits 1-3; see pretrain.data below):
--   sbatch jobs/slurm/preprocess.sbatch lua/arid_clip_vit.lua
--   sbatch -n 4 --gpus-per-task=1 jobs/slurm/pretrain.sbatch lua/arid_clip_vit.lua
--   sbatch -n 4 --gpus-per-task=1 jobs/slurm/finetune.sbatch lua/arid_clip_vit.lua
--   sbatch jobs/slurm/evaluate.sbatch lua/arid_clip_vit.lua \
--       'evaluate.aggregate.runs={"runs/arid_clip_vit","runs/arid_clip_vit_baseline"}'
-- (each with --dependency=afterok on the one before). lua/arid_clip_vit_baseline.lua is
-- the row without DAP and shares the preprocessed shards; without pretraining it can
-- run all splits as one array: sbatch --array=0-2 jobs/slurm/finetune.sbatch --splits 1,2,3 ...
local root = os.getenv("ARID_ROOT") or "data/ARID_v1"
local weights = os.getenv("DAP_CLIP_VIT_B16") or "assets/clip/ViT-B-16.pt"

return {
  base = "base.lua",

  run = { name = "arid_clip_vit" },

  preprocess = {
    data = {
      name = "arid",
      root = root .. "/clips",
      manifest = root .. "/lists/ARID_all.txt",
      manifest_format = "arid",
      class_map = "assets/arid/ARID_v1_mapping_table.txt",
    },
    -- 16 stored frames per clip, so the 8 sampled per view can jitter inside their segments.
    sampling = { mode = "uniform", num_frames = 16 },
    resize = { height = 224, width = 224, mode = "crop" },
  },

  pretrain = {
    -- Domain-adaptive pretraining sees the (unlabelled) training clips of the split only.
    -- The adapter is per run: for splits 2 and 3 give each split its own run.name, e.g.
    -- run.name=arid_clip_vit_split2 finetune.split=2, for pretrain, finetune and evaluate.
    data = { ids = root .. "/lists/ARID_split{split}_train.txt", ids_format = "arid" },
    backbone = { kind = "clip_vit", weights = weights },
    -- base.lua's defaults are the paper's ViT-B/16 setting: 8 frames at 224, PAB over 12 layers.
  },

  finetune = {
    data = { ids = root .. "/lists/ARID_split{split}_train.txt", ids_format = "arid" },
    split = "1",
    head = { kind = "text", text = { weights = weights } },
  },

  evaluate = {
    data = { ids = root .. "/lists/ARID_split{split}_test.txt", ids_format = "arid" },
    result = { table = "Table 1: ARID, fully supervised", row = "CLIP ViT-B/16 + DAP" },
  },
}
