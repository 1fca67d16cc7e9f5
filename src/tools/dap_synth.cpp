// dap-synth: writes the demo's data set of dark-scene actions (issue 6) as real
// video files through FFmpeg, deterministically from a seed. Bright domains
// (styles "sunlit", "overcast", "studio": several sources) and the "dark" domain
// (the "night" style recorded by the low-light camera model of
// core/synth/low_light.h). Six classes that only motion tells apart
// (core/synth/action_scene.h).
//
//   dap-synth --out out/demo_data --train 12 --test 8
// writes out/demo_data/videos/<domain>/<split>_<class>_<k>.mp4, the manifests
// <domain>_{train,test,all}.csv (paths relative to videos/) and classes.txt.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/data/distributed_sampler.h"  // mix_seed, random_unit
#include "core/data/manifest.h"
#include "core/error.h"
#include "core/synth/action_scene.h"
#include "core/synth/low_light.h"
#include "core/video/video_writer.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  std::string out;
  uint64_t seed = 0;
  int size = 64, frames = 16, fps = 8, train = 12, test = 8;
  std::vector<std::string> domains = {"sunlit", "overcast", "studio", "dark"};
};

void write_clip(const std::string& path, const std::vector<uint8_t>& frames, const Options& o) {
  dap::VideoWriter writer(path, o.size, o.size, o.fps);
  const size_t frame_bytes = static_cast<size_t>(o.size) * o.size * 3;
  for (int t = 0; t < o.frames; ++t) {
    writer.write(std::vector<uint8_t>(frames.begin() + t * frame_bytes, frames.begin() + (t + 1) * frame_bytes));
  }
  writer.close();
}

// Every clip of one domain; returns its manifest entries per split.
std::map<std::string, std::vector<dap::ManifestEntry>> write_domain(const Options& o, size_t domain_index) {
  const std::string& domain = o.domains[domain_index];
  const bool dark = domain == "dark";
  const dap::synth::SceneStyle& style = dap::synth::scene_style(dark ? "night" : domain);
  fs::create_directories(fs::path(o.out) / "videos" / domain);
  std::map<std::string, std::vector<dap::ManifestEntry>> entries;
  const auto& classes = dap::synth::action_classes();
  for (const auto& [split, count] : {std::pair<std::string, int>{"train", o.train}, {"test", o.test}}) {
    for (int label = 0; label < static_cast<int>(classes.size()); ++label) {
      for (int k = 0; k < count; ++k) {
        const uint64_t seed = dap::mix_seed({o.seed, domain_index, split == "train" ? 0u : 1u,
                                             static_cast<uint64_t>(label), static_cast<uint64_t>(k)});
        dap::synth::ClipSpec spec{label, o.size, o.frames, seed};
        std::vector<uint8_t> frames = dap::synth::render_action_clip(spec, style);
        if (dark) {
          std::mt19937_64 rng(dap::mix_seed({seed, 7}));
          dap::synth::LowLightCamera camera;
          camera.exposure = 0.02 + 0.025 * dap::random_unit(rng);  // light varies between clips
          frames = dap::synth::record_low_light(frames, camera, rng);
        }
        char name[128];
        std::snprintf(name, sizeof(name), "%s/%s_%s_%02d.mp4", domain.c_str(), split.c_str(),
                      classes[label].c_str(), k);
        write_clip((fs::path(o.out) / "videos" / name).string(), frames, o);
        dap::ManifestEntry entry;
        entry.path = name;
        entry.label = label;
        entry.domain = domain;
        entry.split = split;
        entry.id = fs::path(name).replace_extension().generic_string();
        entries[split].push_back(entry);
      }
    }
  }
  return entries;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Write the demo's synthetic dark-scene action videos (bright source domains and a dark target)."};
  app.add_option("--out", o.out, "output folder")->required();
  app.add_option("--seed", o.seed, "seed of every random choice");
  app.add_option("--size", o.size, "frame side in pixels (even)")->check(CLI::Range(8, 1024));
  app.add_option("--frames", o.frames, "frames per clip")->check(CLI::Range(2, 1000));
  app.add_option("--fps", o.fps, "frame rate of the files")->check(CLI::Range(1, 120));
  app.add_option("--train", o.train, "training clips per class and domain")->check(CLI::Range(0, 100000));
  app.add_option("--test", o.test, "test clips per class and domain")->check(CLI::Range(0, 100000));
  app.add_option("--domains", o.domains, "domains: sunlit, overcast, studio (bright) and dark")->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.size % 2 != 0) throw dap::Error("--size must be even");
    for (size_t d = 0; d < o.domains.size(); ++d) {
      auto entries = write_domain(o, d);
      const std::string prefix = (fs::path(o.out) / o.domains[d]).string();
      std::vector<dap::ManifestEntry> all = entries["train"];
      all.insert(all.end(), entries["test"].begin(), entries["test"].end());
      dap::write_manifest_csv(prefix + "_train.csv", entries["train"]);
      dap::write_manifest_csv(prefix + "_test.csv", entries["test"]);
      dap::write_manifest_csv(prefix + "_all.csv", all);
      std::printf("%s: %zu clips\n", o.domains[d].c_str(), all.size());
    }
    std::ofstream classes(fs::path(o.out) / "classes.txt");
    const auto& names = dap::synth::action_classes();
    for (size_t i = 0; i < names.size(); ++i) classes << i << ' ' << names[i] << '\n';
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dap-synth: %s\n", e.what());
    return 1;
  }
  return 0;
}
