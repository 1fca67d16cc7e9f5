-- Demo preprocessing run on the bundled real sample videos (fetched assets).
-- Paths are relative to the directory the job runs in (the repository root):
--   dap-preprocess --config lua/preprocess_demo.lua
return {
  base = "base.lua",

  run = { name = "preprocess_demo" },

  preprocess = {
    data = {
      name = "demo",
      root = "assets/videos/real",
      manifest = "data_manifest/demo_real.csv",
      manifest_format = "csv",
    },
    sampling = { num_frames = 8 },
    resize = { height = 112, width = 112, mode = "crop" },
    output = { root = "out/data" },
  },
}
