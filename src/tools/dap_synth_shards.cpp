// dap-synth-shards: a shard folder of synthetic dark action clips written
// directly (no video files, no FFmpeg, no SCI), for benchmarks and device
// checks on machines that have the training stages only (a GPU node built with
// DAP_TRAINING_ONLY). Each clip is one of dap-synth's action scenes: "original"
// is the scene through the low-light camera, "enhanced" the bright render.
//
//   dap-synth-shards --out FOLDER [--videos 64] [--frames 16] [--size 224] [--per-shard 16] [--seed 0]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "core/base/random.h"
#include "core/io/shard_index.h"
#include "core/io/shard_writer.h"
#include "tools/synth/action_scene.h"
#include "tools/synth/low_light.h"

int main(int argc, char** argv) {
  std::string out;
  int videos = 64, frames = 16, size = 224, per_shard = 16;
  uint64_t seed = 0;
  CLI::App app{"Write a shard folder of synthetic dark action clips (no FFmpeg needed)."};
  app.add_option("--out", out, "shard folder to create")->required();
  app.add_option("--videos", videos, "clips")->check(CLI::Range(1, 1000000));
  app.add_option("--frames", frames, "stored frames per clip")->check(CLI::Range(1, 10000));
  app.add_option("--size", size, "frame side in pixels (even)")->check(CLI::Range(2, 4096));
  app.add_option("--per-shard", per_shard, "clips per shard file")->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "seed of the scenes and the camera noise");
  CLI11_PARSE(app, argc, argv);
  if (size % 2 != 0) {
    std::fprintf(stderr, "dap-synth-shards: --size must be even\n");
    return 2;
  }
  try {
    std::filesystem::create_directories(out);
    const auto& classes = dap::synth::action_classes();
    dap::ShardSettings settings;
    settings.height = settings.width = size;
    settings.enhancer = "none (dap-synth-shards: enhanced = the bright render)";
    settings.settings_sha256 = "dap-synth-shards";
    dap::ShardIndex index;
    index.height = index.width = size;
    index.enhancer = settings.enhancer;
    index.settings_sha256 = settings.settings_sha256;
    index.class_names = classes;
    index.manifest_videos = videos;
    for (int first = 0; first < videos; first += per_shard) {
      dap::ShardWriter writer(out + "/shard-" + std::to_string(first / per_shard) + ".h5", settings);
      for (int v = first; v < std::min(videos, first + per_shard); ++v) {
        const int label = v % static_cast<int>(classes.size());
        const uint64_t clip_seed = dap::mix_seed({seed, static_cast<uint64_t>(v)});
        const auto& styles = dap::synth::scene_styles();
        const std::vector<uint8_t> bright =
            dap::synth::render_action_clip({label, size, frames, clip_seed}, styles[v % styles.size()]);
        std::mt19937_64 rng(dap::mix_seed({clip_seed, 7}));
        dap::VideoFrames video;
        video.id = "synth-" + std::to_string(v);
        video.label = label;
        video.source_fps = 30.0f;
        for (int f = 0; f < frames; ++f) video.source_frame_indices.push_back(f);
        video.original = dap::synth::record_low_light(bright, dap::synth::LowLightCamera{}, rng);
        video.enhanced = bright;
        writer.add_video(video);
      }
      index.shards.push_back(writer.finish());
    }
    dap::write_shard_index(out, index);
    std::printf("dap-synth-shards: %d clips of %d frames at %dx%d in %s\n", videos, frames, size, size, out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dap-synth-shards: %s\n", e.what());
    return 1;
  }
  return 0;
}
