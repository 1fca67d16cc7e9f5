// dap-views: the views the training loader builds for one clip, written to
// HDF5, so that what a step sees can be looked at, and compared with another
// implementation (python/dap_data repeats the sampling: tests/python/test_dap_data.py).
//
//   dap-views --shards FOLDER [--shards FOLDER2] --id VIDEO_ID --seed 0 --epoch 0 --output views.h5
//
// With --augment actionclip (and --views original or enhanced) the view is the
// fine-tuning loader's augmented one (finetune.augment), and the file holds the
// draws too: augment_crop {top, left, height, width} of the stored frames,
// augment_flags {flip, jitter, grayscale}, augment_order (0 brightness, 1 contrast,
// 2 saturation, 3 hue) and augment_factors {brightness, contrast, saturation, hue}.
//
// The clip's seed is the loader's (clip_view_seed(seed, epoch, clip), clip =
// its index in the data set of the folders given, in order), so --seed is
// pretrain.seed (or finetune.seed) of a run, and --epoch its epoch.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/base/exit_codes.h"
#include "core/data/clip_views.h"
#include "core/data/shard_dataset.h"
#include "core/io/hdf5_handle.h"
#include "dap/version.h"

namespace {

int64_t clip_of(const dap::ShardDataset& data, const std::string& id) {
  for (int64_t clip = 0; clip < data.size(); ++clip) {
    if (data.record(clip).id == id) return clip;
  }
  throw dap::InputError("no video '" + id + "' in the shard folder(s) given");
}

void write_views(const std::string& path, const dap::ClipViews& v, const dap::ViewSettings& s, int64_t clip,
                 uint64_t clip_seed) {
  dap::h5::disable_auto_error_printing();
  dap::h5::Handle file =
      dap::h5::check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate " + path);
  dap::h5::write_int_attribute(file.get(), "clip", clip);
  dap::h5::write_string_attribute(file.get(), "clip_seed", std::to_string(clip_seed));
  dap::h5::write_string_attribute(file.get(), "producer", dap::kProducer);
  const auto t = static_cast<hsize_t>(s.num_frames);
  const auto size = static_cast<hsize_t>(s.size), local = static_cast<hsize_t>(s.local_size);
  dap::h5::write_vector(file.get(), "frames", std::vector<int32_t>(v.frames.begin(), v.frames.end()));
  dap::h5::write_float_array(file.get(), "original", {t, 3, size, size}, v.original.data());
  if (s.augment.enabled()) {
    const dap::AugmentDraws& a = v.augment;
    dap::h5::write_vector(file.get(), "augment_crop", std::vector<int32_t>{a.top, a.left, a.height, a.width});
    dap::h5::write_vector(file.get(), "augment_flags", std::vector<int32_t>{a.flip, a.jitter, a.grayscale});
    dap::h5::write_vector(file.get(), "augment_order", std::vector<int32_t>(a.order.begin(), a.order.end()));
    dap::h5::write_vector(file.get(), "augment_factors",
                          std::vector<float>{static_cast<float>(a.brightness), static_cast<float>(a.contrast),
                                             static_cast<float>(a.saturation), static_cast<float>(a.hue)});
  }
  if (s.single_view()) return;
  dap::h5::write_vector(file.get(), "local_frames", std::vector<int32_t>(v.local_frames.begin(), v.local_frames.end()));
  dap::h5::write_vector(file.get(), "mask", std::vector<int32_t>(v.mask.begin(), v.mask.end()));
  dap::h5::write_float_array(file.get(), "enhanced", {t, 3, size, size}, v.enhanced.data());
  dap::h5::write_float_array(file.get(), "mixed", {t, 3, size, size}, v.mixed.data());
  dap::h5::write_float_array(file.get(), "local", {t, 3, local, local}, v.local.data());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Write the views the training loader builds for one clip to HDF5."};
  std::vector<std::string> folders;
  std::string id, output;
  uint64_t seed = 0;
  int64_t epoch = 0;
  dap::ViewSettings s;
  bool no_jitter = false;
  app.add_option("--shards", folders, "shard folder(s), in the run's order (pretrain.data / finetune.data)")
      ->required();
  app.add_option("--id", id, "video id")->required();
  app.add_option("--seed", seed, "the run's seed (pretrain.seed or finetune.seed)");
  app.add_option("--epoch", epoch, "epoch");
  app.add_option("--output", output, "HDF5 file to write")->required();
  app.add_option("--num-frames", s.num_frames, "views.num_frames");
  app.add_option("--size", s.size, "views.size");
  app.add_option("--local-size", s.local_size, "views.local_size");
  app.add_option("--local-scale-min", s.local_scale_min, "views.local_scale_min");
  app.add_option("--local-scale-max", s.local_scale_max, "views.local_scale_max");
  app.add_option("--patch-size", s.patch_size, "views.patch_size");
  app.add_flag("--mask-per-frame", s.mask_per_frame, "views.mask_per_frame = true");
  app.add_flag("--no-jitter", no_jitter, "views.jitter = false (segment centres)");
  app.add_option("--views", s.views, "all | original | enhanced");
  dap::AugmentSettings& a = s.augment;
  app.add_option("--augment", a.kind, "finetune.augment.kind: none | actionclip (a single view only)");
  app.add_option("--augment-scales", a.scales, "finetune.augment.scales");
  app.add_option("--max-distort", a.max_distort, "finetune.augment.max_distort");
  app.add_option("--flip", a.flip, "finetune.augment.flip");
  app.add_option("--color-jitter", a.color_jitter, "finetune.augment.color_jitter");
  app.add_option("--brightness", a.brightness, "finetune.augment.brightness");
  app.add_option("--contrast", a.contrast, "finetune.augment.contrast");
  app.add_option("--saturation", a.saturation, "finetune.augment.saturation");
  app.add_option("--hue", a.hue, "finetune.augment.hue");
  app.add_option("--grayscale", a.grayscale, "finetune.augment.grayscale");
  CLI11_PARSE(app, argc, argv);
  s.jitter = !no_jitter;
  try {
    const dap::ShardDataset data(folders);
    const dap::ClipViewBuilder builder(data, s);
    const int64_t clip = clip_of(data, id);
    const uint64_t clip_seed = dap::clip_view_seed(seed, epoch, clip);
    write_views(output, builder.build(clip, clip_seed), s, clip, clip_seed);
    std::printf("wrote the views of '%s' (clip %lld, epoch %lld) to %s\n", id.c_str(), static_cast<long long>(clip),
                static_cast<long long>(epoch), output.c_str());
    return dap::kExitOk;
  } catch (const dap::InputError& e) {
    std::fprintf(stderr, "dap-views: %s\n", e.what());
    return dap::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dap-views: %s\n", e.what());
    return dap::kExitFailure;
  }
}
