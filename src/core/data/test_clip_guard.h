// No test clip may be seen in pretraining: an adapter pretrained on clips of a
// split's test set must not be fine-tuned or evaluated on that split. The
// adapter records the ids it was pretrained on (core/models/adapter_file.h);
// the test set is the evaluate section's clip set under run.split.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/config/experiment_config.h"

namespace dap {

// The ids of the evaluation clips of run.split: the ids list of evaluate.data
// ("{split}" substituted) or, without one, every clip of its shards.
std::set<std::string> test_clip_ids(const config::ExperimentConfig& config);

// BadInputError naming `file` (reached through config key `key`), the split and
// the first shared ids when `pretrained_on` holds any of `test_ids`.
void refuse_test_clips_in_pretraining(const std::vector<std::string>& pretrained_on,
                                      const std::set<std::string>& test_ids, const std::string& split,
                                      const std::string& file, const std::string& key);

}  // namespace dap
