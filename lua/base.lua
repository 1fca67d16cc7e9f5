-- Defaults of every dap experiment. Experiments derive from this file with
--   base = "base.lua"
-- and set only what they change: tables merge key by key, lists replace.
-- Any key can also be set on the command line: dap-<stage> --config FILE a.b=value
-- The values here equal the defaults in src/core/config/experiment_config.h
-- (a unit test checks that). Unknown keys, wrong types and out-of-range values
-- are errors that name this file and the key.
return {
  run = {
    name = "demo",            -- run name; the run directory is root/name
    root = "runs",            -- folder that holds run directories
    -- split name (e.g. "1" for ARID split 1): replaces "{split}" in every ids list and
    -- names the pretraining and fine-tuning folders, so each split has its own pretraining
    split = "",
    -- what a seed varies: "finetune" (finetune.seed; one pretraining per split) or "chain"
    -- (pretraining, the pseudo-label teacher's "{seed}" and fine-tuning: pretrain.seed must
    -- equal finetune.seed, each seed gets its own pretraining folder); the tables say which
    seed_scope = "finetune",
    -- seconds a rank waits on the others (a collective, a training step) before it ends the
    -- job with exit 76, as when a node is lost; the Slurm scripts requeue it (0: wait forever)
    stall_timeout_s = 900,
  },

  -- dap-preprocess: videos -> HDF5 shards (original + enhanced frames)
  preprocess = {
    data = {
      name = "demo",          -- data set name (keys the preprocessed output folder)
      root = "",              -- folder that manifest paths are relative to (required)
      manifest = "",          -- manifest file (required)
      manifest_format = "csv",-- csv | arid | ug2 | dailyda
      class_names = {},       -- label i -> class_names[i+1]; may be empty
      class_map = "",         -- optional "idx name" file, used when class_names is empty
    },
    sampling = {
      mode = "uniform",       -- uniform: num_frames spread over the video; fps: a fixed rate
      num_frames = 8,         -- frames per video in uniform mode [1, 4096]
      fps = 4.0,              -- target frame rate in fps mode [0.01, 1000]
      max_frames = 64,        -- at most this many frames per video in fps mode [1, 100000]
    },
    resize = {
      height = 224,           -- output frame height in pixels [8, 4096]
      width = 224,            -- output frame width in pixels [8, 4096]
      mode = "crop",          -- crop: short side, then centre crop | stretch: to height x width
    },
    enhancer = {
      name = "sci",           -- low-light enhancer: sci | none (none copies the frames)
      weights = "assets/sci/easy.pt", -- SCI weights (a torch.save state dict)
      batch_size = 16,        -- frames per enhancer forward pass [1, 4096]
    },
    output = {
      root = "out/data",      -- folder for preprocessed data sets
      dir = "",               -- explicit output folder; empty: root/<data.name>-<settings hash>
      videos_per_shard = 32,  -- videos per HDF5 shard [1, 1000000]
      compression = "gzip",   -- gzip | none
      compression_level = 1,  -- gzip level [0, 9]
      shuffle = false,        -- HDF5 byte-shuffle filter before compression
    },
    max_failure_fraction = 0.1, -- fail when more than this fraction of videos cannot be read [0, 1]
    progress_seconds = 10.0,    -- seconds between progress log lines (0: every video)
    -- needed: decode only the sampled frames and the frames they reference, and stop after the
    -- last one (the stored frames are bit-identical to "all"); a file whose packets cannot be
    -- mapped to frames safely (codecs other than H.264, packets without or with repeated
    -- timestamps as in AVI, interlacing, damaged packets) is decoded whole, the reason logged
    -- once. all: decode every frame (the old path).
    decode = "needed",
    threads = {
      intra_op = 1,           -- libtorch intra-op threads per rank [1, 1024]
      openblas = 1,           -- OpenBLAS threads per rank [1, 1024]
    },
  },

  -- dap-pretrain: domain-adaptive pretraining by cross-domain self-distillation (METHOD.md 2-4).
  -- Defaults are the paper's CLIP ViT-B/16 setting; lua/pretrain_tiny.lua shows a small one.
  pretrain = {
    -- training clips (unlabelled: the target domain)
    data = {
      -- shard folders (empty: the preprocess section's output folder)
      shards = {},
      -- optional list of the videos to use, by id (a manifest or split list; "{split}" is replaced by the split); empty: every video of the shards
      ids = "",
      -- format of the ids list (manifest formats) (one of "csv", "arid", "ug2", "dailyda")
      ids_format = "csv",
    },
    -- the frozen (or, as an ablation, trained) video backbone
    backbone = {
      -- the video backbone (one of "clip_vit", "r2plus1d", "timesformer")
      kind = "clip_vit",
      -- backbone weights: OpenAI CLIP archive / state dict, a torchvision-style R(2+1)D state dict, a released TimeSformer .pyth, or a dap-finetune model.pt (its backbone) (empty: random initialisation)
      weights = "",
      -- Table 4 ablation: train the backbone as well (student and EMA teacher backbones)
      train_encoder = false,
      -- CLIP ViT sizes (kind = clip_vit); a weight file must match them
      clip = {
        -- input size in pixels the positional embedding was trained for [1, 4096]
        image_size = 224,
        -- patch side in pixels (conv1 kernel and stride) [1, 1024]
        patch_size = 16,
        -- token width [1, 8192]
        width = 768,
        -- residual attention blocks [1, 256]
        layers = 12,
        -- attention heads (CLIP uses width / 64) [1, 1024]
        heads = 12,
        -- width of the projected image embedding [1, 8192]
        output_dim = 512,
      },
      -- R(2+1)D sizes (kind = r2plus1d)
      r2plus1d = {
        -- residual blocks in layer1..layer4 (34 layers: {3,4,6,3}) [1, 64]
        layers = { 3, 4, 6, 3 },
        -- output channels of layer1..layer4 [1, 8192]
        widths = { 64, 128, 256, 512 },
        -- channels after the stem's 1x7x7 convolution [1, 8192]
        stem_mid_width = 45,
        -- channels after the stem (input of layer1) [1, 8192]
        stem_width = 64,
        -- ig65m: Caffe2 mid widths for conv2 and BatchNorm eps 1e-3 (the IG65M weights); torchvision: eps 1e-5 (one of "ig65m", "torchvision")
        variant = "ig65m",
        -- classifier outputs (IG65M clip32: 487; 0: no classifier) [0, 1000000]
        num_classes = 487,
        -- frame side in pixels fed to the backbone [16, 4096]
        input_size = 112,
      },
      -- TimeSformer sizes (kind = timesformer); a weight file must match them
      timesformer = {
        -- input size in pixels the positional embedding was trained for (HR: 448) [1, 4096]
        image_size = 224,
        -- frames the time embedding was trained for (HR: 16, L: 96) [1, 4096]
        num_frames = 8,
        -- patch side in pixels (patch_embed.proj kernel and stride) [1, 1024]
        patch_size = 16,
        -- token width [1, 8192]
        width = 768,
        -- divided space-time blocks [1, 256]
        layers = 12,
        -- attention heads [1, 1024]
        heads = 12,
        -- MLP hidden width / token width [1, 64]
        mlp_ratio = 4,
        -- classifier outputs (Kinetics-400: 400; 0: no classifier) [0, 1000000]
        num_classes = 400,
      },
    },
    -- the adaptation block trained on top of the backbone (Table 4 modes)
    adapter = {
      -- pab: progressive adaptation block; lock_encoder: temporal transformer over the last layer (one of "pab", "lock_encoder")
      mode = "pab",
      -- lock_encoder's input per frame: the last layer's class token (width of the backbone), or CLIP's projected image embedding (ActionCLIP; width = backbone.clip.output_dim) (one of "class_token", "embedding")
      lock_input = "class_token",
      -- width D of prompts, tokens and the video feature [1, 8192]
      width = 768,
      -- learnable prompts M [1, 1024]
      num_prompts = 2,
      -- backbone layers n read by the block [1, 1024]
      num_layers = 12,
      -- width of each backbone layer's features, projected to width (empty: already width) [1, 8192]
      input_widths = {},
      -- time steps T of the last layer's features (0: what the backbone gives for views.num_frames) [0, 4096]
      num_frames = 8,
      -- layers of the temporal transformer [1, 64]
      temporal_layers = 6,
      -- attention heads [1, 1024]
      heads = 12,
      -- MLP hidden width / width [1, 64]
      mlp_ratio = 4,
    },
    -- adaptation block to start from: an adapter.pt or a dap-finetune model.pt (empty: fresh)
    init_adapter = "",
    -- the DINO projection head
    head = {
      -- hidden width of the head's MLP [1, 65536]
      hidden_dim = 2048,
      -- width before the last layer [1, 65536]
      bottleneck_dim = 256,
      -- prototypes K (DINO: 65536) [1, 4194304]
      out_dim = 65536,
    },
    -- the four views o, e, m, l (METHOD.md 2)
    views = {
      -- frames T per view [1, 1024]
      num_frames = 8,
      -- side of the global views o, e, m in pixels [8, 4096]
      size = 224,
      -- side of the local view l in pixels [8, 4096]
      local_size = 96,
      -- smallest area fraction of the local crop [0.001, 1]
      local_scale_min = 0.05,
      -- largest area fraction of the local crop [0.001, 1]
      local_scale_max = 0.4,
      -- cell side of the patch-mix mask (the backbone's patch size) [1, 4096]
      patch_size = 16,
      -- draw a mix mask per frame instead of one per clip
      mask_per_frame = false,
      -- random frame inside each temporal segment (false: segment centres)
      jitter = true,
      -- per-channel mean of the backbone's input normalisation [0, 1]
      mean = { 0.48145466, 0.4578275, 0.40821073 },
      -- per-channel std of the backbone's input normalisation [1e-06, 10]
      std = { 0.26862954, 0.26130258, 0.27577711 },
    },
    -- teacher, temperatures and centring (METHOD.md 4)
    distillation = {
      -- student softmax temperature tau_s (paper: 0.1) [0.0001, 10]
      student_temp = 0.1,
      -- teacher temperature tau_t after warm-up (DINO: 0.04) [0.0001, 10]
      teacher_temp = 0.04,
      -- teacher temperature at the first step [0.0001, 10]
      warmup_teacher_temp = 0.04,
      -- epochs of linear teacher-temperature warm-up [0, 100000]
      warmup_teacher_temp_epochs = 0,
      -- EMA momentum of the teacher centre [0, 1]
      center_momentum = 0.9,
      -- initial EMA momentum of the teacher (cosine to 1) [0, 1]
      momentum_teacher = 0.996,
    },
    -- AdamW, schedules and clipping
    optim = {
      -- clips per step over all ranks (must divide by the rank count) [1, 10000000]
      global_batch = 128,
      -- passes over the data; schedules span them [1, 100000]
      epochs = 30,
      -- stop after this many steps (0: all epochs); schedules still span all epochs [0, 1000000000000]
      max_steps = 0,
      -- AdamW learning rate after warm-up [0, 10]
      lr = 5e-05,
      -- learning rate at the end of the cosine decay [0, 10]
      min_lr = 1e-06,
      -- epochs of linear learning-rate warm-up from 0 [0, 100000]
      warmup_epochs = 1.0,
      -- AdamW weight decay at the start (none on biases and 1-D parameters) [0, 10]
      weight_decay = 0.04,
      -- weight decay at the end (cosine schedule) [0, 10]
      weight_decay_end = 0.04,
      -- per-parameter gradient norm limit (0: no clipping) [0, 1000000]
      clip_grad = 3.0,
      -- AdamW's decay rates of the moment estimates {beta1, beta2} (torch's defaults, as DINO) [0, 0.999999]
      betas = { 0.9, 0.999 },
      -- AdamW's epsilon [1e-12, 1]
      eps = 1e-08,
      -- epochs during which the head's last layer gets no update [0, 100000]
      freeze_last_layer_epochs = 1,
    },
    -- background batch preparation
    loader = {
      -- background threads building views, per rank [1, 256]
      workers = 2,
      -- batches prepared ahead of the training step [1, 256]
      prefetch = 2,
    },
    -- checkpoints and resuming
    checkpoint = {
      -- steps between checkpoints (one is always written at the end) [1, 1000000000000]
      every_steps = 50,
      -- most recent checkpoints kept [1, 1000]
      keep = 2,
      -- continue from the newest checkpoint of this run when there is one
      resume = true,
    },
    -- seed of initialisation, shuffling and views [0, 9e+15]
    seed = 0,
    -- compute the frozen backbone's per-layer features of every stored frame once (beside the shards) and run the backbone only on the mixed and local views
    feature_cache = false,
    -- how the feature cache stores the features (float16: half the size, rounded to about 5e-4 relative; each type has its own cache) (one of "float32", "float16")
    feature_cache_dtype = "float32",
    -- where the model runs (auto: CUDA when available) (one of "auto", "cpu", "cuda")
    device = "auto",
    -- forward passes under bfloat16 autocast, parameters and gradients float32 (auto: bf16 on CUDA, fp32 on the CPU) (one of "auto", "fp32", "bf16")
    precision = "auto",
    -- start each gradient bucket's all-reduce during the backward pass, once its gradients are computed (false: all buckets after the backward pass)
    overlap_allreduce = true,
    -- steps between metrics lines [1, 1000000000]
    log_every_steps = 1,
    -- CPU threads per rank
    threads = {
      -- libtorch intra-op threads per rank [1, 1024]
      intra_op = 1,
      -- OpenBLAS threads per rank [1, 1024]
      openblas = 1,
    },
  },

  -- dap-finetune: supervised fine-tuning or adaptation on pseudo-labels (METHOD.md 5).
  -- The network is pretrain.backbone + pretrain.adapter + this head; frames are pretrain.views'.
  -- Defaults are the paper's ActionCLIP setting.
  finetune = {
    -- training clips
    data = {
      -- shard folders (empty: the preprocess section's output folder)
      shards = {},
      -- optional list of the videos to use, by id (a manifest or split list; "{split}" is replaced by the split); empty: every video of the shards
      ids = "",
      -- format of the ids list (manifest formats) (one of "csv", "arid", "ug2", "dailyda")
      ids_format = "csv",
    },
    -- where the training labels come from
    labels = {
      -- manifest: the labels stored in the shards; pseudo: a teacher's predictions.h5 (source-free / multi-source adaptation) (one of "manifest", "pseudo")
      source = "manifest",
      -- predictions.h5 of the teacher model (source = pseudo)
      predictions = "",
      -- which pseudo-labels are kept: all (no filtering), softmax confidence >= threshold, or the k most confident per class (one of "all", "threshold", "topk_per_class")
      selection = "threshold",
      -- confidence threshold (selection = threshold) [0, 1]
      threshold = 0.5,
      -- videos kept per class (selection = topk_per_class) [1, 1000000000]
      k_per_class = 10,
      -- softmax temperature applied to the teacher's scores [1e-06, 1000000]
      temperature = 1.0,
    },
    -- adapter to start from: "pretrain" (this run's dap-pretrain adapter.pt), a path to an adapter.pt or a dap-finetune model.pt (its adaptation block), or "none" (fresh: the paper's baseline rows)
    init_adapter = "pretrain",
    -- fine-tune the backbone too (at lr_pretrained); false: frozen
    train_backbone = true,
    -- which frames the classifier sees (one of "original", "enhanced")
    input = "original",
    -- training augmentation of the clips (evaluation: none)
    augment = {
      -- none: the evaluation's view (resize, centre crop); actionclip: ActionCLIP's training transform (multi-scale crop, flip, colour jitter, grayscale), drawn once per clip (one of "none", "actionclip")
      kind = "none",
      -- crop sides as fractions of the frame's shorter side (ActionCLIP's GroupMultiScaleCrop; a side within 3 px of views.size becomes views.size) [0.001, 1]
      scales = { 1.0, 0.875, 0.75, 0.66 },
      -- crop width and height come from scales at most this many places apart [0, 100]
      max_distort = 1,
      -- probability of a horizontal flip [0, 1]
      flip = 0.5,
      -- probability of colour jitter (brightness, contrast, saturation and hue in a random order) [0, 1]
      color_jitter = 0.8,
      -- brightness factor from U[max(0, 1-x), 1+x] [0, 10]
      brightness = 0.4,
      -- contrast factor from U[max(0, 1-x), 1+x] [0, 10]
      contrast = 0.4,
      -- saturation factor from U[max(0, 1-x), 1+x] [0, 10]
      saturation = 0.2,
      -- hue shift from U[-x, x] (a fraction of the colour circle) [0, 0.5]
      hue = 0.1,
      -- probability of grayscale (luma 0.299 R + 0.587 G + 0.114 B) [0, 1]
      grayscale = 0.2,
    },
    -- the classification head
    head = {
      -- text: ActionCLIP-style video-text matching with CLIP's text encoder and class prompts; linear: a linear layer on the video feature (one of "text", "linear")
      kind = "text",
      -- the text head (kind = text)
      text = {
        -- CLIP archive or state dict holding the text encoder (empty: pretrain.backbone.weights)
        weights = "",
        -- CLIP text encoder sizes; a weight file must match them
        encoder = {
          -- BPE vocabulary size (rows of token_embedding) [1, 10000000]
          vocab_size = 49408,
          -- tokens per text (rows of positional_embedding) [1, 4096]
          context_length = 77,
          -- token width [1, 8192]
          width = 512,
          -- residual attention blocks [1, 256]
          layers = 12,
          -- attention heads (CLIP uses width / 64) [1, 1024]
          heads = 8,
          -- width of the projected text feature [1, 8192]
          embed_dim = 512,
        },
        -- class prompts, "{}" replaced by the class name (ActionCLIP's 16)
        templates = { "a photo of action {}", "a picture of action {}", "Human action of {}", "{}, an action", "{} this is an action", "{}, a video of action", "Playing action of {}", "{}", "Playing a kind of action, {}", "Doing a kind of action, {}", "Look, the human is {}", "Can you recognize the action of {}?", "Video classification of {}", "A video of {}", "The man is {}", "The woman is {}" },
        -- CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz)
        vocab = "assets/clip/bpe_simple_vocab_16e6.txt.gz",
        -- multiplier of the cosine similarities (CLIP: exp(4.6052) = 100) [0.001, 1000000]
        logit_scale = 100.0,
        -- fine-tune the text encoder too (at optim.lr_text; a random template per class each step, as ActionCLIP); false: class embeddings computed once and frozen
        train_encoder = false,
        -- how the templates combine when a model is evaluated: probabilities: each template's softmax over the classes, averaged over templates (ActionCLIP's test); embeddings: one embedding per class, the mean of its templates' normalised text features (what training matches against) (one of "probabilities", "embeddings")
        ensemble = "probabilities",
      },
    },
    -- cross_entropy: over the classes; actionclip_kl: ActionCLIP's symmetric KL between the batch's video-text similarities and its same-label matrix (text head only) (one of "cross_entropy", "actionclip_kl")
    loss = "cross_entropy",
    -- AdamW with two learning-rate groups, warm-up + cosine
    optim = {
      -- clips per step over all ranks (must divide by the rank count) [1, 10000000]
      global_batch = 32,
      -- passes over the labelled clips; schedules span them [1, 100000]
      epochs = 50,
      -- stop after this many steps (0: all epochs) [0, 1000000000000]
      max_steps = 0,
      -- learning rate of parameters that come from a checkpoint (backbone, pretrained adapter) [0, 10]
      lr_pretrained = 5e-06,
      -- learning rate of new modules (head, fresh adapter) [0, 10]
      lr_new = 5e-05,
      -- learning rate of the text encoder (head.text.train_encoder = true) [0, 10]
      lr_text = 5e-06,
      -- learning rates end at this fraction of their peak (cosine) [0, 1]
      min_lr_fraction = 0.0,
      -- epochs of linear learning-rate warm-up from 0 [0, 100000]
      warmup_epochs = 5.0,
      -- AdamW weight decay (none on biases and 1-D parameters) [0, 10]
      weight_decay = 0.2,
      -- per-parameter gradient norm limit (0: no clipping) [0, 1000000]
      clip_grad = 0.0,
      -- label smoothing of the cross-entropy [0, 1]
      label_smoothing = 0.0,
      -- weight decay on every parameter, biases and 1-D ones too (ActionCLIP); false: none on those (DINO)
      decay_all_parameters = false,
      -- AdamW's decay rates of the moment estimates {beta1, beta2} (ActionCLIP's) [0, 0.999999]
      betas = { 0.9, 0.98 },
      -- AdamW's epsilon [1e-12, 1]
      eps = 1e-08,
    },
    -- background batch preparation
    loader = {
      -- background threads building views, per rank [1, 256]
      workers = 2,
      -- batches prepared ahead of the training step [1, 256]
      prefetch = 2,
    },
    -- checkpoints and resuming
    checkpoint = {
      -- steps between checkpoints (one is always written at the end) [1, 1000000000000]
      every_steps = 50,
      -- most recent checkpoints kept [1, 1000]
      keep = 2,
      -- continue from the newest checkpoint of this run when there is one
      resume = true,
    },
    -- seed of initialisation, shuffling and frame jitter [0, 9e+15]
    seed = 0,
    -- where the model runs (auto: CUDA when available) (one of "auto", "cpu", "cuda")
    device = "auto",
    -- forward passes under bfloat16 autocast, parameters and gradients float32 (auto: bf16 on CUDA, fp32 on the CPU) (one of "auto", "fp32", "bf16")
    precision = "auto",
    -- start each gradient bucket's all-reduce during the backward pass, once its gradients are computed (false: all buckets after the backward pass)
    overlap_allreduce = true,
    -- steps between metrics lines [1, 1000000000]
    log_every_steps = 1,
    -- CPU threads per rank
    threads = {
      -- libtorch intra-op threads per rank [1, 1024]
      intra_op = 1,
      -- OpenBLAS threads per rank [1, 1024]
      openblas = 1,
    },
  },
  -- dap-evaluate: predictions, metrics, tables and pictures
  evaluate = {
    -- predict: scores of a model on the data -> predictions.h5, metrics.json, confusion.png; aggregate: mean +- std tables over seeds and splits; gradcam: Fig. 3-style Grad-CAM pictures (one of "predict", "aggregate", "gradcam")
    task = "predict",
    -- "finetune" (this run's fine-tuned model for run.split and finetune.seed), "zeroshot" (CLIP backbone + text prompts, no training), or a path to a model.pt
    model = "finetune",
    -- the evaluation clips
    data = {
      -- shard folders (empty: the preprocess section's output folder)
      shards = {},
      -- optional list of the videos to use, by id (a manifest or split list; "{split}" is replaced by the split); empty: every video of the shards
      ids = "",
      -- format of the ids list (manifest formats) (one of "csv", "arid", "ug2", "dailyda")
      ids_format = "csv",
    },
    -- folder of the predict and gradcam outputs (empty: run.root/run.name/evaluate/<finetune split-seed tag, or zeroshot>)
    output = "",
    -- where this run's numbers go in the aggregated tables
    result = {
      -- table this run's result belongs to, e.g. "Table 2: ARID"
      table = "Results",
      -- row label, e.g. "CLIP ViT-B/16 + DAP"
      row = "model",
      -- column label, e.g. "K600->A11" (Top-1 is reported there); empty: two columns, Top-1 and Top-5
      column = "",
    },
    -- task = aggregate
    aggregate = {
      -- run folders (run.root/run.name) whose evaluate/*/metrics.json are aggregated (empty: this run)
      runs = {},
      -- folder of the tables (empty: run.root/run.name/results)
      output = "",
      -- file name of the tables: <name>.md, .csv and .json
      name = "results",
    },
    -- task = gradcam
    gradcam = {
      -- model.pt fine-tuned without domain-adaptive pretraining (the "before" row); empty: row left out
      before = "",
      -- clips drawn (the first of the evaluation set) [1, 10000]
      clips = 4,
      -- frames shown per clip (evenly spread over the view's frames) [1, 1024]
      frames = 8,
      -- ViT block whose input tokens are explained; negative counts from the end (-1: the last block) [-1024, 1023]
      block = -1,
    },
    -- clips per forward pass [1, 100000]
    batch = 8,
    -- where the model runs (auto: CUDA when available) (one of "auto", "cpu", "cuda")
    device = "auto",
    -- CPU threads per rank
    threads = {
      -- libtorch intra-op threads per rank [1, 1024]
      intra_op = 1,
      -- OpenBLAS threads per rank [1, 1024]
      openblas = 1,
    },
  },
}
