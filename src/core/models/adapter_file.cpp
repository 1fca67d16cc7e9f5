#include "core/models/adapter_file.h"

#include <filesystem>

#include <torch/torch.h>

#include "core/base/error.h"

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

}  // namespace dap
