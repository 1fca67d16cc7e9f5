#include "pretrain/feature_cache.h"

#include <c10/util/Half.h>
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
#include "core/dist/stall_watchdog.h"
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

// The file type of a float16 cache: IEEE half, little-endian, as h5py and numpy
// write float16 (HDF5 1.10 has no predefined one).
h5::Handle half_type() {
  h5::Handle type = h5::check_id(H5Tcopy(H5T_IEEE_F32LE), "H5Tcopy");
  h5::check(H5Tset_fields(type.get(), 15, 10, 5, 0, 10), "H5Tset_fields");
  h5::check(H5Tset_size(type.get(), 2), "H5Tset_size");
  h5::check(H5Tset_ebias(type.get(), 15), "H5Tset_ebias");
  return type;
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
  // float32 keeps the key it had before float16 existed, so those caches stay valid.
  if (c.feature_cache_dtype != "float32") identity["dtype"] = c.feature_cache_dtype;
  const std::string text = identity.dump();
  return sha256_bytes(text.data(), text.size()).substr(0, 16);
}

std::string cache_path(const std::string& folder, const std::string& key, const std::string& shard_file) {
  return (fs::path(folder) / "features" / key / shard_file).string();
}

// Bytes per value of a dataset of the file (4: float32, 2: float16).
size_t value_bytes(hid_t file, const char* name) {
  h5::Handle dataset = h5::check_id(H5Dopen2(file, name, H5P_DEFAULT), std::string("H5Dopen2 ") + name);
  h5::Handle type = h5::check_id(H5Dget_type(dataset.get()), std::string("H5Dget_type ") + name);
  return H5Tget_class(type.get()) == H5T_FLOAT ? H5Tget_size(type.get()) : 0;
}

// A finished file of this key, for this shard's bytes, of the expected size and
// type (the key differs per type too, but a float32 file must never be read as float16).
bool complete(const std::string& path, const std::string& key, const ShardSummary& shard, int64_t width,
              bool half) {
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
      if (dims.size() != 2 || static_cast<int64_t>(dims[0]) != shard.frames ||
          static_cast<int64_t>(dims[1]) != width || value_bytes(file.get(), kind) != (half ? 2u : 4u))
        return false;
    }
  } catch (const Error&) {
    return false;
  }
  return true;
}

// Rows [first, first + rows) of a [frames, width] dataset: written from, or read
// into, `values` of type `memory_type` (the file's own type: no conversion).
void transfer_rows(hid_t dataset, int64_t first, int64_t rows, int64_t width, hid_t memory_type, void* values,
                   bool write, const std::string& path) {
  h5::Handle space = h5::check_id(H5Dget_space(dataset), "H5Dget_space " + path);
  const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
  const hsize_t count[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(width)};
  h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            "H5Sselect_hyperslab " + path);
  h5::Handle memory = h5::check_id(H5Screate_simple(2, count, nullptr), "H5Screate_simple");
  h5::check(write ? H5Dwrite(dataset, memory_type, memory.get(), space.get(), H5P_DEFAULT, values)
                  : H5Dread(dataset, memory_type, memory.get(), space.get(), H5P_DEFAULT, values),
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
  h5::Handle half;                         // the float16 type, when the files hold it
};

FeatureCache::FeatureCache(const ShardDataset& data, const config::PretrainConfig& c, VideoBackbone& backbone,
                           const torch::Device& device, int rank, int world)
    : data_(data), half_(c.feature_cache_dtype == "float16"), files_(std::make_unique<Files>()) {
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
  if (half_) files_->half = half_type();
  const hid_t file_type = half_ ? files_->half.get() : H5T_IEEE_F32LE;
  const hid_t memory_type = half_ ? files_->half.get() : H5T_NATIVE_FLOAT;

  // Rank 0 decides what is missing, so every rank works from the same list.
  std::vector<ShardIndex> indexes;
  for (const std::string& folder : data.folders()) indexes.push_back(read_shard_index(folder));
  nlohmann::json missing = nlohmann::json::array();
  if (rank == 0) {
    for (size_t f = 0; f < indexes.size(); ++f) {
      for (size_t s = 0; s < indexes[f].shards.size(); ++s) {
        const ShardSummary& shard = indexes[f].shards[s];
        if (!complete(cache_path(data.folders()[f], report_.key, shard.file), report_.key, shard, width, half_))
          missing.push_back({f, s});
      }
    }
  }
  {
    UnboundedWait checking_files;  // rank 0 opens every existing cache file first
    missing = nlohmann::json::parse(broadcast_string(missing.dump()));
  }
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
        h5::write_string_attribute(file.get(), "dtype", c.feature_cache_dtype);
        const hsize_t dims[2] = {static_cast<hsize_t>(shard.frames), static_cast<hsize_t>(width)};
        const hsize_t chunk[2] = {1, static_cast<hsize_t>(width)};  // one frame per chunk: steps read a few rows
        h5::Handle space = h5::check_id(H5Screate_simple(2, dims, nullptr), "H5Screate_simple");
        h5::Handle layout = h5::check_id(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
        h5::check(H5Pset_chunk(layout.get(), 2, chunk), "H5Pset_chunk");
        h5::Handle sets[2];
        for (int k = 0; k < 2; ++k) {
          sets[k] = h5::check_id(H5Dcreate2(file.get(), kKinds[k], file_type, space.get(), H5P_DEFAULT,
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
              // Rounded to float16 (to nearest) here, when the cache holds it.
              const torch::Tensor rows =
                  frame_rows(backbone, views, embedding).to(half_ ? torch::kHalf : torch::kFloat);
              transfer_rows(sets[k].get(), r.first_frame + first, n, width, memory_type, rows.data_ptr(), true,
                            temporary);
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
  {
    UnboundedWait unequal_shares;  // a rank with a shard more may be minutes behind
    share_out_of_space(out_of_space);
    if (allreduce_sum(failure.empty() ? 0 : 1) > 0) {
      throw Error(failure.empty() ? "the feature cache could not be built on another rank (see its log)" : failure);
    }
  }

  // Every rank opens every file (a rank reads whichever clips its batches hold).
  try {
    for (size_t f = 0; f < indexes.size(); ++f) {
      files_->shards.emplace_back();
      for (const ShardSummary& shard : indexes[f].shards) {
        Files::Shard opened;
        opened.path = cache_path(data.folders()[f], report_.key, shard.file);
        if (!complete(opened.path, report_.key, shard, width, half_)) {
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

void FeatureCache::read_frames(int64_t clip, const int32_t* frames, int64_t count, bool enhanced,
                               float* out) const {
  const int64_t width = width_;
  const ClipRecord& r = data_.record(clip);
  const Files::Shard& shard = files_->shards[r.folder][r.shard];
  const int32_t low = *std::min_element(frames, frames + count), high = *std::max_element(frames, frames + count);
  // One read of the clip's rows low..high, in the file's type; per thread, as the loader's workers call this.
  thread_local std::vector<char> span;
  const size_t bytes = half_ ? sizeof(uint16_t) : sizeof(float);
  span.resize(static_cast<size_t>(high - low + 1) * width * bytes);
  transfer_rows(shard.datasets[enhanced ? 1 : 0].get(), r.first_frame + low, high - low + 1, width,
                half_ ? files_->half.get() : H5T_NATIVE_FLOAT, span.data(), false, shard.path);
  for (int64_t t = 0; t < count; ++t) {
    const size_t row = static_cast<size_t>(frames[t] - low) * width;
    float* to = out + t * width;
    if (half_) {
      const auto* from = reinterpret_cast<const uint16_t*>(span.data()) + row;
      for (int64_t i = 0; i < width; ++i) to[i] = c10::detail::fp16_ieee_to_fp32_value(from[i]);
    } else {
      std::copy_n(reinterpret_cast<const float*>(span.data()) + row, width, to);
    }
  }
}

std::vector<torch::Tensor> FeatureCache::layer_features(const Batch& batch, bool enhanced) const {
  const auto clips = static_cast<int64_t>(batch.clips.size());
  const int64_t frames = batch.num_frames;
  torch::Tensor all;
  const std::vector<float>& read = enhanced ? batch.features_enhanced : batch.features_original;
  if (batch.feature_width == width_ && !read.empty()) {  // read by the loader's workers
    all = torch::from_blob(const_cast<float*>(read.data()), {clips, frames, width_});
  } else {
    all = torch::empty({clips, frames, width_});
    for (int64_t b = 0; b < clips; ++b) {
      read_frames(batch.clips[b], batch.frames.data() + b * frames, frames, enhanced,
                  all.data_ptr<float>() + b * frames * width_);
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
