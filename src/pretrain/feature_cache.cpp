#include "pretrain/feature_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/config/config_binding.h"
#include "core/data/clip_views.h"
#include "core/dist/mpi_context.h"
#include "core/dist/shared_failure.h"
#include "core/io/disk_space.h"
#include "core/io/hdf5_handle.h"
#include "core/io/sha256.h"
#include "core/io/shard_index.h"
#include "core/train/training_setup.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

constexpr const char* kFormat = "dap-feature-cache";
constexpr int64_t kFormatVersion = 1;
constexpr int64_t kFramesPerForward = 16;
const char* const kKinds[2] = {"original", "enhanced"};

// The backbone's weights as they are (loaded or randomly initialised): every
// parameter and buffer, by name, shape and bytes.
std::string weights_sha256(VideoBackbone& backbone) {
  std::string digests;
  const auto add = [&](const std::string& name, const torch::Tensor& tensor) {
    const torch::Tensor values = tensor.detach().to(torch::kCPU).contiguous();
    digests += name + " " + std::to_string(values.numel()) + " " + std::string(values.dtype().name()) + " " +
               sha256_bytes(values.data_ptr(), values.numel() * values.element_size()) + "\n";
  };
  for (const auto& item : backbone->named_parameters()) add(item.key(), item.value());
  for (const auto& item : backbone->named_buffers()) add(item.key(), item.value());
  return sha256_bytes(digests.data(), digests.size());
}

// What the features depend on, hashed (the folder name of the cache).
std::string cache_key(const config::PretrainConfig& c, VideoBackbone& backbone) {
  config::BackboneConfig sizes = c.backbone;
  sizes.weights.clear();  // the weights' content counts, not where the file lies
  nlohmann::json identity = {{"format", kFormat},
                             {"version", kFormatVersion},
                             {"backbone", config::config_to_lua(sizes)},
                             {"weights", weights_sha256(backbone)},
                             {"size", c.views.size},
                             {"mean", c.views.mean},
                             {"std", c.views.std},
                             {"embedding", c.adapter.reads_embedding()}};
  const std::string text = identity.dump();
  return sha256_bytes(text.data(), text.size()).substr(0, 16);
}

std::string cache_path(const std::string& folder, const std::string& key, const std::string& shard_file) {
  return (fs::path(folder) / "features" / key / shard_file).string();
}

// A finished file of this key, for this shard's bytes, of the expected size.
bool complete(const std::string& path, const std::string& key, const ShardSummary& shard, int64_t width) {
  if (!fs::is_regular_file(path)) return false;
  h5::disable_auto_error_printing();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) return false;
  h5::Handle file(id);
  try {
    if (h5::read_string_attribute(file.get(), "format") != kFormat ||
        h5::read_int_attribute(file.get(), "format_version") != kFormatVersion ||
        h5::read_string_attribute(file.get(), "key") != key ||
        h5::read_string_attribute(file.get(), "shard_sha256") != shard.sha256) {
      return false;
    }
    for (const char* kind : kKinds) {
      const std::vector<hsize_t> dims = h5::dataset_dims(file.get(), kind);
      if (dims.size() != 2 || static_cast<int64_t>(dims[0]) != shard.frames || static_cast<int64_t>(dims[1]) != width)
        return false;
    }
  } catch (const Error&) {
    return false;
  }
  return true;
}

// Rows [first, first + rows) of a [frames, width] float dataset: written from, or read into, `values`.
void transfer_rows(hid_t dataset, int64_t first, int64_t rows, int64_t width, float* values, bool write,
                   const std::string& path) {
  h5::Handle space = h5::check_id(H5Dget_space(dataset), "H5Dget_space " + path);
  const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
  const hsize_t count[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(width)};
  h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            "H5Sselect_hyperslab " + path);
  h5::Handle memory = h5::check_id(H5Screate_simple(2, count, nullptr), "H5Screate_simple");
  h5::check(write ? H5Dwrite(dataset, H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, values)
                  : H5Dread(dataset, H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, values),
            (write ? "H5Dwrite " : "H5Dread ") + path);
}

// Every layer's features of `views` [1, n, 3, S, S], one row per frame: [n, sum of widths] on the CPU.
torch::Tensor frame_rows(VideoBackbone& backbone, const torch::Tensor& views, bool embedding) {
  std::vector<torch::Tensor> layers;
  for (const torch::Tensor& layer : backbone->layer_features(views, embedding)) {
    layers.push_back(layer.squeeze(0).to(torch::kCPU, torch::kFloat));
  }
  return torch::cat(layers, 1).contiguous();
}

}  // namespace

struct FeatureCache::Files {
  struct Shard {
    std::string path;
    h5::Handle file, datasets[2];
  };
  std::vector<std::vector<Shard>> shards;  // [folder][shard]
};

FeatureCache::FeatureCache(const ShardDataset& data, const config::PretrainConfig& c, VideoBackbone& backbone,
                           const torch::Device& device, int rank, int world)
    : data_(data), files_(std::make_unique<Files>()) {
  torch::NoGradGuard no_grad;
  const bool embedding = c.adapter.reads_embedding();
  const ClipViewBuilder builder(data, view_settings(c.views));
  const int64_t size = c.views.size;
  for (const torch::Tensor& layer : backbone->layer_features(torch::zeros({1, 1, 3, size, size}, device), embedding)) {
    widths_.push_back(layer.size(-1));
    width_ += layer.size(-1);
  }
  const int64_t width = width_;
  report_.key = cache_key(c, backbone);

  // Rank 0 decides what is missing, so every rank works from the same list.
  std::vector<ShardIndex> indexes;
  for (const std::string& folder : data.folders()) indexes.push_back(read_shard_index(folder));
  nlohmann::json missing = nlohmann::json::array();
  if (rank == 0) {
    for (size_t f = 0; f < indexes.size(); ++f) {
      for (size_t s = 0; s < indexes[f].shards.size(); ++s) {
        const ShardSummary& shard = indexes[f].shards[s];
        if (!complete(cache_path(data.folders()[f], report_.key, shard.file), report_.key, shard, width))
          missing.push_back({f, s});
      }
    }
  }
  missing = nlohmann::json::parse(broadcast_string(missing.dump()));
  for (const auto& index : indexes) report_.shards += static_cast<int64_t>(index.shards.size());
  report_.built = static_cast<int64_t>(missing.size());

  const auto started = std::chrono::steady_clock::now();
  std::string failure, out_of_space;
  for (size_t i = static_cast<size_t>(rank); i < missing.size(); i += static_cast<size_t>(world)) {
    const size_t f = missing[i][0], s = missing[i][1];
    const ShardSummary& shard = indexes[f].shards[s];
    const std::string path = cache_path(data.folders()[f], report_.key, shard.file);
    const std::string temporary = path + ".tmp-r" + std::to_string(rank);
    try {
      fs::create_directories(fs::path(path).parent_path());
      {
        h5::disable_auto_error_printing();
        h5::Handle file = h5::check_id(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                       "H5Fcreate " + temporary);
        h5::write_string_attribute(file.get(), "format", kFormat);
        h5::write_int_attribute(file.get(), "format_version", kFormatVersion);
        h5::write_string_attribute(file.get(), "key", report_.key);
        h5::write_string_attribute(file.get(), "shard_file", shard.file);
        h5::write_string_attribute(file.get(), "shard_sha256", shard.sha256);
        h5::write_string_attribute(file.get(), "layer_widths", nlohmann::json(widths_).dump());
        const hsize_t dims[2] = {static_cast<hsize_t>(shard.frames), static_cast<hsize_t>(width)};
        const hsize_t chunk[2] = {1, static_cast<hsize_t>(width)};  // one frame per chunk: steps read a few rows
        h5::Handle space = h5::check_id(H5Screate_simple(2, dims, nullptr), "H5Screate_simple");
        h5::Handle layout = h5::check_id(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
        h5::check(H5Pset_chunk(layout.get(), 2, chunk), "H5Pset_chunk");
        h5::Handle sets[2];
        for (int k = 0; k < 2; ++k) {
          sets[k] = h5::check_id(H5Dcreate2(file.get(), kKinds[k], H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                            layout.get(), H5P_DEFAULT),
                                 std::string("H5Dcreate2 ") + kKinds[k]);
        }
        std::vector<float> pixels;
        for (int64_t clip = 0; clip < data.size(); ++clip) {
          const ClipRecord& r = data.record(clip);
          if (r.folder != static_cast<int>(f) || r.shard != static_cast<int>(s)) continue;
          for (int64_t first = 0; first < r.frame_count; first += kFramesPerForward) {
            const int64_t n = std::min(kFramesPerForward, r.frame_count - first);
            std::vector<int> frames(static_cast<size_t>(n));
            for (int64_t k = 0; k < n; ++k) frames[k] = static_cast<int>(first + k);
            pixels.resize(static_cast<size_t>(n) * 3 * size * size);
            for (int k = 0; k < 2; ++k) {
              builder.global_view(clip, frames, k == 1, pixels.data());
              const torch::Tensor views = torch::from_blob(pixels.data(), {1, n, 3, size, size}).to(device);
              const torch::Tensor rows = frame_rows(backbone, views, embedding);
              transfer_rows(sets[k].get(), r.first_frame + first, n, width, rows.data_ptr<float>(), true, temporary);
            }
          }
        }
        // Written out here, where a failure is seen: closing the file would drop it.
        h5::check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "H5Fflush " + temporary);
      }
      fs::rename(temporary, path);
    } catch (const std::exception& e) {
      // A full disk is told apart before the partial file, which holds the space, goes.
      const int space = out_of_space_errno(fs::path(path).parent_path().string());
      std::remove(temporary.c_str());
      if (space != 0) {
        out_of_space = out_of_space_error(path, space).what();
      } else {
        failure = "feature cache for " + path + ": " + e.what();
        spdlog::error("{}", failure);
      }
      break;
    }
  }
  report_.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  share_out_of_space(out_of_space);
  if (allreduce_sum(failure.empty() ? 0 : 1) > 0) {
    throw Error(failure.empty() ? "the feature cache could not be built on another rank (see its log)" : failure);
  }

  // Every rank opens every file (a rank reads whichever clips its batches hold).
  try {
    for (size_t f = 0; f < indexes.size(); ++f) {
      files_->shards.emplace_back();
      for (const ShardSummary& shard : indexes[f].shards) {
        Files::Shard opened;
        opened.path = cache_path(data.folders()[f], report_.key, shard.file);
        if (!complete(opened.path, report_.key, shard, width)) {
          throw Error("feature cache file " + opened.path + " is missing or incomplete after it was built (are the "
                      "shard folders on a file system every rank sees?)");
        }
        opened.file = h5::check_id(H5Fopen(opened.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen " + opened.path);
        for (int k = 0; k < 2; ++k) {
          opened.datasets[k] = h5::check_id(H5Dopen2(opened.file.get(), kKinds[k], H5P_DEFAULT),
                                            std::string("H5Dopen2 ") + kKinds[k] + " " + opened.path);
        }
        report_.bytes += static_cast<int64_t>(fs::file_size(opened.path));
        files_->shards.back().push_back(std::move(opened));
      }
    }
  } catch (const std::exception& e) {
    failure = e.what();
    spdlog::error("{}", failure);
  }
  if (allreduce_sum(failure.empty() ? 0 : 1) > 0) {
    throw Error(failure.empty() ? "the feature cache could not be opened on another rank (see its log)" : failure);
  }
}

FeatureCache::~FeatureCache() = default;

std::vector<torch::Tensor> FeatureCache::layer_features(const Batch& batch, bool enhanced) const {
  const int64_t width = width_;
  const auto clips = static_cast<int64_t>(batch.clips.size());
  const int64_t frames = batch.num_frames;
  torch::Tensor all = torch::empty({clips, frames, width});
  float* out = all.data_ptr<float>();
  std::vector<float> span;
  for (int64_t b = 0; b < clips; ++b) {
    const ClipRecord& r = data_.record(batch.clips[b]);
    const Files::Shard& shard = files_->shards[r.folder][r.shard];
    const auto drawn = batch.frames.begin() + b * frames;
    const int32_t low = *std::min_element(drawn, drawn + frames), high = *std::max_element(drawn, drawn + frames);
    span.resize(static_cast<size_t>(high - low + 1) * width);  // one read of the clip's rows low..high
    transfer_rows(shard.datasets[enhanced ? 1 : 0].get(), r.first_frame + low, high - low + 1, width, span.data(),
                  false, shard.path);
    for (int64_t t = 0; t < frames; ++t) {
      std::copy_n(span.data() + static_cast<size_t>(drawn[t] - low) * width, width, out + (b * frames + t) * width);
    }
  }
  std::vector<torch::Tensor> layers;
  int64_t offset = 0;
  for (int64_t w : widths_) {
    layers.push_back(all.narrow(2, offset, w));
    offset += w;
  }
  return layers;
}

}  // namespace dap
