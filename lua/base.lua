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
    threads = {
      intra_op = 1,           -- libtorch intra-op threads per rank [1, 1024]
      openblas = 1,           -- OpenBLAS threads per rank [1, 1024]
    },
  },
}
