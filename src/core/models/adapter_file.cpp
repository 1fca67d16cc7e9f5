#include "core/models/adapter_file.h"

#include <filesystem>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/base/error.h"
#include "core/models/archive_entries.h"

namespace dap {

torch::serialize::InputArchive load_adapter_weights(VideoAdapter& adapter, const std::string& file,
                                                    const std::string& key) {
  if (!std::filesystem::is_regular_file(file)) {
    throw InputError(key + ": '" + file + "' does not exist");
  }
  torch::serialize::InputArchive archive, stored, model;
  archive.load_from(file);
  // adapter.pt holds it at the top, a dap-finetune model.pt inside the classifier.
  const bool found = archive.try_read("adapter", stored) ||
                     (archive.try_read("model", model) && model.try_read("adapter", stored));
  if (!found) {
    throw InputError(key + ": '" + file +
                     "' holds no adaptation block (expected adapter.pt of dap-pretrain or model.pt of dap-finetune)");
  }
  try {
    adapter->load(stored);
  } catch (const c10::Error& e) {
    throw InputError(key + ": the adaptation block in '" + file + "' does not fit pretrain.adapter: " +
                     e.what_without_backtrace());
  }
  return archive;
}

namespace {
constexpr const char* kPretrainingIds = "pretrain_video_ids";
}  // namespace

void write_pretraining_video_ids(torch::serialize::OutputArchive& archive, const std::vector<std::string>& ids) {
  write_text(archive, kPretrainingIds, nlohmann::json(ids).dump());
}

std::optional<std::vector<std::string>> read_pretraining_video_ids(const std::string& file) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file);
  } catch (const c10::Error& e) {
    throw InputError("cannot read '" + file + "': " + e.what_without_backtrace());
  }
  c10::IValue value;
  if (!archive.try_read(kPretrainingIds, value)) return std::nullopt;
  return nlohmann::json::parse(value.toStringRef()).get<std::vector<std::string>>();
}

}  // namespace dap
