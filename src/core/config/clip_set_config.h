// Which clips a stage reads: shard folders of dap-preprocess, optionally
// narrowed to the videos of an ids list (a split). Used by the pretrain,
// finetune and evaluate sections. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/config/config_binding.h"

namespace dap::config {

// `ids` selects a subset (a split) by video id and may contain "{split}",
// replaced by run.split.
struct ClipSetConfig {
  std::vector<std::string> shards;
  std::string ids;
  std::string ids_format = "csv";

  template <class V>
  void visit(V& v) {
    v.field("shards", shards, "shard folders (empty: the preprocess section's output folder)");
    v.field("ids", ids,
            "optional list of the videos to use, by id (a manifest or split list; \"{split}\" is replaced by "
            "the split); empty: every video of the shards");
    v.choice("ids_format", ids_format, {"csv", "arid", "ug2", "dailyda"}, "format of the ids list (manifest formats)");
  }
};

}  // namespace dap::config
