// Will the shards fit? Before writing, dap-preprocess estimates the space its
// shards will take: frames x height x width x 3 bytes x 2 (the original and the
// enhanced frames), times the compression of a shard of the same settings.
// Uncompressed shards are known up front; otherwise the compression is measured
// on a shard an earlier run left, or on the first shard this run writes. One
// log line gives the estimate and the output file system's free space, as a
// warning when the free space is smaller.
#pragma once

#include <cstdint>
#include <string>

#include "core/config/experiment_config.h"
#include "core/io/shard_writer.h"

namespace dap {

class SpaceEstimate {
 public:
  SpaceEstimate(const config::PreprocessConfig& c, std::string folder);

  // Measures the compression (and, in fps sampling, the frames per video) on
  // `shard`, a complete shard of these settings. Uncompressed shards need none.
  void measure(const ShardSummary& shard);
  bool known() const { return known_; }

  // Logs the space `videos` more videos need against the free space (rank 0 calls it).
  void report(int64_t videos) const;

 private:
  const config::PreprocessConfig& config_;
  std::string folder_;
  bool known_ = false;
  double ratio_ = 1.0;             // stored bytes over raw pixel bytes
  double frames_per_video_ = 0.0;  // sampled frames of a video
  std::string basis_;              // where the ratio comes from, for the log line
};

}  // namespace dap
