-- Paper Table 3, Daily-DA source-free adaptation K600 -> A11, step 2 of 2: domain-adaptive
-- pretraining on the unlabelled A11 training clips, then fine-tuning on the source model's
-- pseudo-labels (lua/dailyda_source_k600.lua's predictions; every clip with its top-1 class),
-- evaluated on the A11 test clips; 5 seeds:
--   jobs/local/pretrain.sh lua/dailyda_sfvda_k600.lua
--   jobs/local/finetune.sh --seeds 0,1,2,3,4 lua/dailyda_sfvda_k600.lua
-- The row without DAP: finetune.init_adapter=none run.name=dailyda_sfvda_k600_baseline
-- evaluate.result.row="CLIP ViT-B/16 (ActionCLIP)". MIT and H51: dailyda_sfvda_{mit,h51}.lua.
local runs = os.getenv("DAP_RUN_ROOT") or "runs"

return {
  base = "dailyda_base.lua",

  run = { name = "dailyda_sfvda_k600" },

  finetune = {
    labels = {
      source = "pseudo",
      predictions = runs .. "/dailyda_source_k600/teacher_on_A11/seed{seed}/predictions.h5",
      -- Paper 3.3 labels the unlabelled target clips and trains on them, with no filtering
      -- stated: every clip with its top-1 class. selection = "topk_per_class" (the k_per_class
      -- most confident per class: 60 keeps at most 480 of A11's training clips, 8 classes) and
      -- "threshold" are options, not the paper's protocol (METHOD.md 9).
      selection = "all",
      k_per_class = 60,
    },
  },

  evaluate = {
    result = { table = "Table 3: Daily-DA, source-free (SFVDA)", row = "CLIP ViT-B/16 + DAP", column = "K600->A11" },
  },
}
