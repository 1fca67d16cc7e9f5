#include "core/io/shard_index.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/io/sha256.h"
#include "core/io/shard_format.h"
#include "core/io/shard_reader.h"
#include "dap/version.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace dap {

int64_t ShardIndex::video_count() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.videos;
  return n;
}
int64_t ShardIndex::frame_count() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.frames;
  return n;
}
int64_t ShardIndex::byte_count() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.bytes;
  return n;
}

namespace {

// The value of each of `ids` in `by_id` ("" where it has none), or nullopt when none has one.
std::optional<std::vector<std::string>> per_video(const std::vector<std::string>& ids,
                                                  const std::map<std::string, std::string>& by_id) {
  std::vector<std::string> values;
  bool any = false;
  for (const auto& id : ids) {
    const auto it = by_id.find(id);
    values.push_back(it == by_id.end() ? "" : it->second);
    any = any || it != by_id.end();
  }
  if (!any) return std::nullopt;
  return values;
}

json shards_to_json(const std::vector<ShardSummary>& shards, const std::map<std::string, std::string>& domains = {},
                    const std::map<std::string, std::string>& splits = {}) {
  json list = json::array();
  for (const auto& s : shards) {
    json entry = {{"file", s.file}, {"videos", s.videos}, {"frames", s.frames}, {"bytes", s.bytes},
                  {"sha256", s.sha256}, {"video_ids", s.video_ids}};
    if (const auto values = per_video(s.video_ids, domains)) entry["domains"] = *values;
    if (const auto values = per_video(s.video_ids, splits)) entry["splits"] = *values;
    list.push_back(std::move(entry));
  }
  return list;
}

json failures_to_json(const std::vector<FailedVideo>& failures) {
  json list = json::array();
  for (const auto& f : failures) list.push_back({{"id", f.id}, {"path", f.path}, {"reason", f.reason}});
  return list;
}

void append_shards(const json& list, std::vector<ShardSummary>* shards) {
  for (const auto& s : list) {
    shards->push_back({s.at("file"), s.at("videos"), s.at("frames"), s.at("bytes"), s.at("sha256"),
                       s.at("video_ids").get<std::vector<std::string>>()});
  }
}

void append_failures(const json& list, std::vector<FailedVideo>* failures) {
  for (const auto& f : list) failures->push_back({f.at("id"), f.at("path"), f.at("reason")});
}

}  // namespace

std::string encode_shard_results(const std::vector<ShardSummary>& shards, const std::vector<FailedVideo>& failures) {
  return json{{"shards", shards_to_json(shards)}, {"failures", failures_to_json(failures)}}.dump();
}

void decode_shard_results(const std::string& text, std::vector<ShardSummary>* shards,
                          std::vector<FailedVideo>* failures) {
  const json results = json::parse(text);
  append_shards(results.at("shards"), shards);
  append_failures(results.at("failures"), failures);
}

void write_shard_index(const std::string& folder, const ShardIndex& index) {
  const json document = {
      {"format", shard::kIndexFormat},
      {"format_version", shard::kIndexFormatVersion},
      {"shard_format", shard::kFormat},
      {"shard_format_version", shard::kFormatVersion},
      {"producer", kProducer},
      {"height", index.height},
      {"width", index.width},
      {"enhancer", index.enhancer},
      {"enhancer_weights_sha256", index.enhancer_sha256},
      {"settings_sha256", index.settings_sha256},
      {"class_names", index.class_names},
      {"manifest_videos", index.manifest_videos},
      {"num_videos", index.video_count()},
      {"num_frames", index.frame_count()},
      {"num_bytes", index.byte_count()},
      {"num_failures", static_cast<int64_t>(index.failures.size())},
      {"shards", shards_to_json(index.shards, index.domains, index.splits)},
      {"failures", failures_to_json(index.failures)},
      {"config", index.config_text},
  };
  write_text_file((fs::path(folder) / shard::kIndexFileName).string(), document.dump(2) + "\n");
}

ShardIndex read_shard_index(const std::string& folder) {
  const fs::path path = fs::path(folder) / shard::kIndexFileName;
  std::ifstream in(path);
  if (!in) throw BadInputError("no shard index at '" + path.string() + "' (run dap-preprocess first)");
  json document;
  try {
    in >> document;
  } catch (const json::exception& e) {
    throw BadInputError("'" + path.string() + "' is not valid JSON: " + e.what());
  }
  const std::string format = document.value("format", "(none)");
  const int64_t version = document.value("format_version", int64_t{-1});
  if (format != shard::kIndexFormat || version != shard::kIndexFormatVersion) {
    throw BadInputError("'" + path.string() + "' has format \"" + format + "\" version " + std::to_string(version) +
                     "; this reader knows only \"" + shard::kIndexFormat + "\" version " +
                     std::to_string(shard::kIndexFormatVersion));
  }
  ShardIndex index;
  index.height = document.at("height");
  index.width = document.at("width");
  index.enhancer = document.at("enhancer");
  index.enhancer_sha256 = document.at("enhancer_weights_sha256");
  index.settings_sha256 = document.at("settings_sha256");
  index.config_text = document.at("config");
  index.class_names = document.at("class_names").get<std::vector<std::string>>();
  index.manifest_videos = document.at("manifest_videos");
  append_shards(document.at("shards"), &index.shards);
  append_failures(document.at("failures"), &index.failures);
  return index;
}

namespace {

std::string read_sidecar(const fs::path& sidecar) {
  std::ifstream in(sidecar);
  std::string checksum;
  in >> checksum;
  return checksum;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<ShardSummary> collect_complete_shards(const std::string& folder, const std::string& settings_sha256,
                                                  std::vector<std::string>* removed) {
  std::vector<ShardSummary> complete;
  if (!fs::exists(folder)) return complete;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(folder)) entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  const auto discard = [&](const fs::path& p, const std::string& why) {
    fs::remove(p);
    if (removed) removed->push_back(p.filename().string() + " (" + why + ")");
  };
  for (const auto& path : entries) {
    const std::string name = path.filename().string();
    if (ends_with(name, shard::kTemporarySuffix)) {
      discard(path, "unfinished temporary file");
      continue;
    }
    if (!ends_with(name, ".h5")) continue;
    const fs::path sidecar = path.string() + shard::kChecksumSuffix;
    const std::string expected = fs::exists(sidecar) ? read_sidecar(sidecar) : "";
    if (expected.empty() || expected != sha256_file(path.string())) {
      discard(path, "checksum missing or wrong");
      if (fs::exists(sidecar)) fs::remove(sidecar);
      continue;
    }
    ShardReader reader(path.string());
    if (reader.attribute(shard::kAttrSettingsSha256) != settings_sha256) {
      throw InputError("'" + path.string() +
                       "' was written with other preprocessing settings; use another output folder or remove it");
    }
    ShardSummary summary;
    summary.file = name;
    summary.videos = reader.video_count();
    summary.frames = reader.frame_count();
    summary.bytes = static_cast<int64_t>(fs::file_size(path));
    summary.sha256 = expected;
    summary.video_ids = reader.video_ids();
    complete.push_back(summary);
  }
  // Sidecars whose shard never got its final name belong to nothing.
  for (const auto& path : entries) {
    const std::string name = path.filename().string();
    if (!ends_with(name, shard::kChecksumSuffix) || !fs::exists(path)) continue;
    const std::string shard_name = name.substr(0, name.size() - std::string(shard::kChecksumSuffix).size());
    if (!fs::exists(path.parent_path() / shard_name)) discard(path, "checksum of a shard that was never completed");
  }
  return complete;
}

}  // namespace dap
