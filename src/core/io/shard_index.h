// The index file beside a folder of shards (index.json): every complete shard
// with its video count and checksum, the class names, and the videos that
// failed with the reason. Rank 0 writes it once all ranks have finished.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/io/shard_writer.h"

namespace dap {

struct FailedVideo {
  std::string id;
  std::string path;
  std::string reason;
};

struct ShardIndex {
  int height = 0;
  int width = 0;
  std::string enhancer;
  std::string enhancer_sha256;
  std::string settings_sha256;
  std::string config_text;
  std::vector<std::string> class_names;
  int64_t manifest_videos = 0;
  std::vector<ShardSummary> shards;
  std::vector<FailedVideo> failures;
  // Video id -> the manifest's domain / split, for the ids that have one; written
  // into each shard's entry as lists beside video_ids (for readers such as
  // python/dap_data; the C++ stages select clips by ids lists).
  std::map<std::string, std::string> domains, splits;

  int64_t video_count() const;
  int64_t frame_count() const;
  int64_t byte_count() const;
};

// One rank's results (its shards and failed videos) as text, for rank 0 to merge.
std::string encode_shard_results(const std::vector<ShardSummary>& shards, const std::vector<FailedVideo>& failures);
void decode_shard_results(const std::string& text, std::vector<ShardSummary>* shards,
                          std::vector<FailedVideo>* failures);

// Written to a temporary name and renamed, so readers never see half an index.
void write_shard_index(const std::string& folder, const ShardIndex& index);
// Refuses an index of another format or version, naming both.
ShardIndex read_shard_index(const std::string& folder);

// Shards in `folder` that are complete: final name, checksum sidecar matching
// the file, readable, and written with the same settings. Anything else
// (temporary files, shards without a valid sidecar, other settings) is
// removed, and each removal is reported through `removed`.
std::vector<ShardSummary> collect_complete_shards(const std::string& folder, const std::string& settings_sha256,
                                                  std::vector<std::string>* removed);

}  // namespace dap
