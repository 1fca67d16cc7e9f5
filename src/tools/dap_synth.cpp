// dap-synth: writes the demo's data set of dark-scene actions as real
// video files through FFmpeg, deterministically from a seed. Bright domains
// (styles "sunlit", "overcast", "studio": several sources, filmed in daylight of
// varying strength) and the "dark" domain (the same kinds of scenes, one style
// drawn per clip, filmed at night: the low-light camera model of
// synth/low_light.h). Six classes that only motion tells apart
// (synth/action_scene.h).
//
//   dap-synth --out out/demo_data --train 12 --test 8
// writes out/demo_data/videos/<domain>/<split>_<class>_<k>.mp4, the manifests
// <domain>_{train,val,test,all}.csv and bright_{train,val,test,all}.csv (the bright domains
// together), all.csv (every clip; paths relative to videos/) and classes.txt.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <sstream>

#include "core/base/error.h"
#include "core/base/random.h"
#include "core/data/manifest.h"
#include "core/video/video_writer.h"
#include "tools/synth/action_scene.h"
#include "tools/synth/low_light.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  std::string out;
  uint64_t seed = 0;
  int size = 64, frames = 16, fps = 8, train = 12, val = 0, test = 8;
  std::vector<std::string> domains = {"sunlit", "overcast", "studio", "dark"};
  std::vector<std::string> dark_styles = {"sunlit", "overcast", "studio"};
  std::vector<double> exposure = {0.1, 0.25};
  std::vector<double> bright_exposure = {0.3, 1.0};
  double gain = 1.0;
};

void write_clip(const std::string& path, const std::vector<uint8_t>& frames, const Options& o) {
  dap::VideoWriter writer(path, o.size, o.size, o.fps);
  const size_t frame_bytes = static_cast<size_t>(o.size) * o.size * 3;
  for (int t = 0; t < o.frames; ++t) {
    writer.write(std::vector<uint8_t>(frames.begin() + t * frame_bytes, frames.begin() + (t + 1) * frame_bytes));
  }
  writer.close();
}

const std::vector<std::string> kDomains = {"sunlit", "overcast", "studio", "dark"};

using SplitEntries = std::map<std::string, std::vector<dap::ManifestEntry>>;  // "train", "val", "test", "all"

// The splits in manifest order, with the number that seeds their clips (train and test keep
// the clips they had before the validation split existed).
struct Split {
  const char* name;
  uint64_t seed_index;
  int count;
};

// Every clip of one domain; returns its manifest entries per split. A domain's clips
// do not depend on which other domains are written.
SplitEntries write_domain(const Options& o, const std::string& domain) {
  const auto known = std::find(kDomains.begin(), kDomains.end(), domain);
  if (known == kDomains.end()) throw dap::Error("unknown domain '" + domain + "' (sunlit, overcast, studio, dark)");
  const uint64_t domain_index = static_cast<uint64_t>(known - kDomains.begin());
  const bool dark = domain == "dark";
  fs::create_directories(fs::path(o.out) / "videos" / domain);
  std::map<std::string, std::vector<dap::ManifestEntry>> entries;
  const auto& classes = dap::synth::action_classes();
  for (const Split& split_spec : {Split{"train", 0, o.train}, Split{"val", 2, o.val}, Split{"test", 1, o.test}}) {
    const std::string split = split_spec.name;
    const int count = split_spec.count;
    for (int label = 0; label < static_cast<int>(classes.size()); ++label) {
      for (int k = 0; k < count; ++k) {
        const uint64_t seed = dap::mix_seed({o.seed, domain_index, split_spec.seed_index,
                                             static_cast<uint64_t>(label), static_cast<uint64_t>(k)});
        // The dark domain films the sources' kinds of scenes (one style drawn per clip) at night.
        std::mt19937_64 style_rng(dap::mix_seed({seed, 11}));
        const std::string& style_name =
            dark ? o.dark_styles[static_cast<size_t>(dap::random_unit(style_rng) * o.dark_styles.size())] : domain;
        dap::synth::ClipSpec spec{label, o.size, o.frames, seed};
        std::vector<uint8_t> frames = dap::synth::render_action_clip(spec, dap::synth::scene_style(style_name));
        // Every clip goes through the camera: the bright domains in daylight of varying strength,
        // the dark one at night (light varies between clips).
        std::mt19937_64 rng(dap::mix_seed({seed, 7}));
        const std::vector<double>& range = dark ? o.exposure : o.bright_exposure;
        dap::synth::LowLightCamera camera;
        camera.exposure = range[0] + (range[1] - range[0]) * dap::random_unit(rng);
        camera.gain = dark ? o.gain : 1.0;
        frames = dap::synth::record_low_light(frames, camera, rng);
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
  for (const char* split : {"train", "val", "test"}) {
    entries["all"].insert(entries["all"].end(), entries[split].begin(), entries[split].end());
  }
  return entries;
}

void write_manifests(const Options& o, const std::string& name, SplitEntries& entries) {
  for (const char* split : {"train", "val", "test", "all"}) {
    if (split == std::string("val") && o.val == 0) continue;
    dap::write_manifest_csv((fs::path(o.out) / (name + "_" + split + ".csv")).string(), entries[split]);
  }
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
  app.add_option("--val", o.val, "validation clips per class and domain (for design decisions; 0: no split)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--test", o.test, "test clips per class and domain")->check(CLI::Range(0, 100000));
  app.add_option("--domains", o.domains, "domains: sunlit, overcast, studio (bright) and dark")->delimiter(',');
  app.add_option("--dark-styles", o.dark_styles, "the scene styles the dark domain records (one drawn per clip)")
      ->delimiter(',');
  app.add_option("--exposure", o.exposure, "dark domain: range of the exposure, drawn per clip")
      ->delimiter(',')
      ->expected(2);
  app.add_option("--gain", o.gain, "dark domain: the camera's gain");
  app.add_option("--bright-exposure", o.bright_exposure, "bright domains: range of the exposure (gain 1)")
      ->delimiter(',')->expected(2);
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.size % 2 != 0) throw dap::Error("--size must be even");
    // One thread per domain: rendering and encoding are independent and CPU-bound.
    std::vector<std::future<SplitEntries>> written;
    for (const std::string& domain : o.domains) {
      written.push_back(std::async(std::launch::async, [&o, domain] { return write_domain(o, domain); }));
    }
    SplitEntries bright, all;
    for (size_t d = 0; d < o.domains.size(); ++d) {
      const std::string& domain = o.domains[d];
      SplitEntries entries = written[d].get();
      write_manifests(o, domain, entries);
      for (const char* split : {"train", "val", "test", "all"}) {
        if (domain != "dark") bright[split].insert(bright[split].end(), entries[split].begin(), entries[split].end());
        all[split].insert(all[split].end(), entries[split].begin(), entries[split].end());
      }
      std::printf("%s: %zu clips\n", domain.c_str(), entries["all"].size());
    }
    write_manifests(o, "bright", bright);  // the sources together (multi-source)
    dap::write_manifest_csv((fs::path(o.out) / "all.csv").string(), all["all"]);
    std::ofstream classes(fs::path(o.out) / "classes.txt");
    const auto& names = dap::synth::action_classes();
    for (size_t i = 0; i < names.size(); ++i) classes << i << ' ' << names[i] << '\n';
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dap-synth: %s\n", e.what());
    return 1;
  }
  return 0;
}
