#include "core/data/clip_selection.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/base/error.h"
#include "core/data/manifest.h"
#include "core/data/preprocessed_folder.h"

namespace dap {

std::string substitute_split(const std::string& text, const std::string& split) {
  static const std::string kPlaceholder = "{split}";
  std::string out = text;
  for (size_t at = out.find(kPlaceholder); at != std::string::npos; at = out.find(kPlaceholder, at + split.size())) {
    out.replace(at, kPlaceholder.size(), split);
  }
  return out;
}

std::vector<std::string> clip_set_folders(const config::ClipSetConfig& set, const config::PreprocessConfig& preprocess) {
  if (!set.shards.empty()) return set.shards;
  return {preprocess_output_folder(preprocess, preprocess_settings_sha256(preprocess))};
}

std::string joined_folders(const ShardDataset& data) {
  std::string out;
  for (const auto& folder : data.folders()) out += (out.empty() ? "" : ", ") + folder;
  return out;
}

ClipSelection select_clips(const ShardDataset& data, const config::ClipSetConfig& set, const std::string& split) {
  ClipSelection selection;
  for (int64_t clip = 0; clip < data.size(); ++clip) selection.labels.push_back(data.record(clip).label);
  if (set.ids.empty()) {
    for (int64_t clip = 0; clip < data.size(); ++clip) selection.clips.push_back(clip);
    return selection;
  }
  const std::string list = substitute_split(set.ids, split);
  std::unordered_set<std::string> wanted;
  for (const auto& entry : read_manifest(list, set.ids_format)) wanted.insert(entry.id);
  std::unordered_set<std::string> found;
  for (int64_t clip = 0; clip < data.size(); ++clip) {
    if (wanted.count(data.record(clip).id) != 0) {
      selection.clips.push_back(clip);
      found.insert(data.record(clip).id);
    }
  }
  selection.listed_not_found = static_cast<int64_t>(wanted.size() - found.size());
  if (selection.clips.empty()) {
    throw BadInputError("none of the " + std::to_string(wanted.size()) + " videos listed in '" + list +
                     "' is in the shards of " + joined_folders(data) +
                     " (ids are matched exactly; were the shards made from the same list format?)");
  }
  return selection;
}

void keep_labelled(ClipSelection& selection) {
  std::vector<int64_t> kept;
  for (int64_t clip : selection.clips) {
    if (selection.labels[static_cast<size_t>(clip)] >= 0) kept.push_back(clip);
  }
  selection.clips = std::move(kept);
}

}  // namespace dap
