// One rank's share of dap-preprocess: claims videos until none are left,
// decoding, enhancing and writing them into its own shards as it goes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config/experiment_config.h"
#include "core/data/manifest.h"
#include "core/io/shard_index.h"
#include "core/io/shard_writer.h"
#include "core/models/sci_enhancer.h"

namespace dap {

// The enhancer of preprocess.enhancer: SCI, or a copy of the frames for "none".
std::unique_ptr<FrameEnhancer> make_enhancer(const config::PreprocessConfig& c);

// One rank's share of the work: claims videos until none are left, writing shards as it goes.
class RankWorker {
 public:
  RankWorker(const config::PreprocessConfig& c, const ShardSettings& settings, const std::string& folder,
             const std::string& session, int rank)
      : config_(c), settings_(settings), folder_(folder), session_(session), rank_(rank) {}

  // Reads, enhances and stores one video; a video that cannot be read is
  // recorded as a failure and skipped. A shard that cannot be written throws
  // (OutOfSpaceError when the disk is full).
  void process(const ManifestEntry& entry, FrameEnhancer& enhancer);

  void finish() {
    if (writer_) close_shard();
  }
  // After a failed write: drops the unfinished shard (its temporary file is removed).
  void abandon() { writer_.reset(); }

  int64_t frames() const { return frames_; }
  int64_t videos_claimed() const { return claimed_; }
  size_t shards_written() const { return shards_.size(); }
  const std::vector<ShardSummary>& shards() const { return shards_; }

  // This rank's results, for rank 0 to merge into the index.
  std::string report() const { return encode_shard_results(shards_, failures_); }

 private:
  void open_shard();
  void close_shard();

  const config::PreprocessConfig& config_;
  ShardSettings settings_;
  std::string folder_;
  std::string session_;
  int rank_;
  int next_shard_ = 0;
  int64_t frames_ = 0;
  int64_t claimed_ = 0;
  std::unique_ptr<ShardWriter> writer_;
  std::vector<ShardSummary> shards_;
  std::vector<FailedVideo> failures_;
};

}  // namespace dap
