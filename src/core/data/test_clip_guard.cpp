#include "core/data/test_clip_guard.h"

#include "core/base/error.h"
#include "core/data/clip_selection.h"
#include "core/data/manifest.h"
#include "core/data/shard_dataset.h"

namespace dap {

std::set<std::string> test_clip_ids(const config::ExperimentConfig& config) {
  const config::ClipSetConfig& set = config.evaluate.data;
  std::set<std::string> ids;
  if (!set.ids.empty()) {
    for (const auto& entry : read_manifest(substitute_split(set.ids, config.run.split), set.ids_format)) {
      ids.insert(entry.id);
    }
    return ids;
  }
  const ShardDataset data(clip_set_folders(set, config.preprocess));
  for (int64_t clip = 0; clip < data.size(); ++clip) ids.insert(data.record(clip).id);
  return ids;
}

void refuse_test_clips_in_pretraining(const std::vector<std::string>& pretrained_on,
                                      const std::set<std::string>& test_ids, const std::string& split,
                                      const std::string& file, const std::string& key) {
  std::vector<std::string> shared;
  for (const auto& id : pretrained_on) {
    if (test_ids.count(id)) shared.push_back(id);
  }
  if (shared.empty()) return;
  std::string examples;
  for (size_t i = 0; i < shared.size() && i < 3; ++i) examples += (i ? ", " : "") + shared[i];
  throw BadInputError(key + ": '" + file + "' was pretrained on " + std::to_string(shared.size()) + " of the " +
                      std::to_string(test_ids.size()) + " test clips of " +
                      (split.empty() ? std::string("this run") : "split " + split) + " (evaluate.data), e.g. " +
                      examples + ". Pretrain each split on its own training clips (run.split=" +
                      (split.empty() ? "S" : split) + " for dap-pretrain, pretrain.data.ids = its training list).");
}

}  // namespace dap
