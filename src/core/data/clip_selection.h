// The clips a stage uses (config ClipSetConfig): shard folders, narrowed to
// the videos of an ids list (a split), and their labels (the shards' own;
// dap-finetune may replace them with pseudo-labels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/experiment_config.h"
#include "core/data/shard_dataset.h"

namespace dap {

// `text` with every "{split}" replaced by `split`.
std::string substitute_split(const std::string& text, const std::string& split);

// The set's shard folders, or the experiment's preprocess output folder when none are listed.
std::vector<std::string> clip_set_folders(const config::ClipSetConfig& set, const config::PreprocessConfig& preprocess);

struct ClipSelection {
  std::vector<int64_t> clips;      // indices into the data set, in data-set order
  std::vector<int32_t> labels;     // one per clip of the data set (-1 where unknown)
  int64_t listed_not_found = 0;    // ids of the list (or pseudo-labels) that no shard holds
};

// Every clip of `data`, or those whose id the ids list (ClipSetConfig.ids,
// "{split}" substituted) names. Labels are the shards'. A list that matches no
// clip is an InputError naming the list and the shard folders.
ClipSelection select_clips(const ShardDataset& data, const config::ClipSetConfig& set, const std::string& split);

// The data set's shard folders, comma-separated (for messages).
std::string joined_folders(const ShardDataset& data);

// Only the labelled clips (label >= 0) of `selection`.
void keep_labelled(ClipSelection& selection);

}  // namespace dap
