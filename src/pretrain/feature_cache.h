// The frozen backbone's features of the o and e views, computed once
// (pretrain.feature_cache; docs/FEATURE_CACHE.md). Those views are stored frames
// resized and normalised, each frame on its own (ClipViewBuilder::global_view),
// and CLIP ViT maps each frame to its per-layer features on its own, so the
// features of every stored frame, original and enhanced, can be computed before
// training and gathered for the frames a step draws. Only the mixed and local
// views then go through the backbone.
//
// One HDF5 file per shard, beside the shards:
//   <shard folder>/features/<key>/<shard file>
// with float32 (or, pretrain.feature_cache_dtype = "float16", float16) datasets
// "original" and "enhanced" [stored frames, sum of the layer widths] (a row =
// every layer's feature of one frame, layer after layer). <key> is a hash of
// the backbone's weights and sizes, the view size, the normalisation, whether
// the last layer is CLIP's embedding and the type, so a cache of other
// settings is never read; each file also records its shard's sha256, and a
// file of a rewritten shard is rebuilt. Files are written under a temporary
// name and renamed: a killed build redoes only unfinished shards.
// The BatchLoader's workers read the rows of each clip's drawn frames
// (ClipFeatureSource), so a step never waits for them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/config/pretrain_config.h"
#include "core/data/batch_loader.h"
#include "core/data/clip_features.h"
#include "core/data/shard_dataset.h"
#include "core/models/video_backbone.h"

namespace dap {

struct FeatureCacheReport {
  int64_t shards = 0, built = 0;  // shard files in all, and built by this run (all ranks)
  double build_seconds = 0;       // on this rank
  int64_t bytes = 0;              // of every file, once built
  std::string key;
};

class FeatureCache : public ClipFeatureSource {
 public:
  // Collective over `world` ranks: rank 0 finds the shard files missing, the ranks
  // build them (missing file i on rank i % world, the backbone on `device`), then
  // every rank opens them all. An error on any rank is an error on every rank.
  FeatureCache(const ShardDataset& data, const config::PretrainConfig& c, VideoBackbone& backbone,
               const torch::Device& device, int rank, int world);
  ~FeatureCache() override;
  FeatureCache(const FeatureCache&) = delete;
  FeatureCache& operator=(const FeatureCache&) = delete;

  // ClipFeatureSource, for the loader's workers: float32 rows whatever the file's type.
  int64_t width() const override { return width_; }
  void read_frames(int64_t clip, const int32_t* frames, int64_t count, bool enhanced, float* out) const override;

  // The backbone's layer features of the batch's o (enhanced = false) or e views:
  // one tensor [B, T, D_i] per layer, as VideoBackbone::layer_features gives them.
  // Views of the rows the loader read into the batch (valid while it is) when it
  // has them; otherwise read here, on the calling thread (the path before the
  // loader read them, kept for bench/loader_bench.cpp's comparison).
  std::vector<torch::Tensor> layer_features(const Batch& batch, bool enhanced) const;

  const FeatureCacheReport& report() const { return report_; }

 private:
  struct Files;
  const ShardDataset& data_;
  std::vector<int64_t> widths_;  // of each layer's features
  int64_t width_ = 0;            // of a row: the sum of widths_
  bool half_ = false;            // float16 files (pretrain.feature_cache_dtype)
  std::unique_ptr<Files> files_;
  FeatureCacheReport report_;
};

}  // namespace dap
