#include "core/train/train_checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include <torch/torch.h>

namespace fs = std::filesystem;

namespace dap {
namespace {

constexpr const char* kPrefix = "step_";
constexpr const char* kSuffix = ".pt";

// step -> path of the complete checkpoints in `folder`.
std::map<int64_t, fs::path> list_checkpoints(const std::string& folder) {
  std::map<int64_t, fs::path> found;
  if (!fs::is_directory(folder)) return found;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || entry.path().extension() != kSuffix) continue;
    const std::string digits = name.substr(5, name.size() - 5 - 3);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
    found[std::stoll(digits)] = entry.path();
  }
  return found;
}

}  // namespace

std::string write_checkpoint(const std::string& folder, int64_t step, int keep,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  fs::create_directories(folder);
  char name[64];
  std::snprintf(name, sizeof(name), "%s%09lld%s", kPrefix, static_cast<long long>(step), kSuffix);
  const fs::path final_path = fs::path(folder) / name;
  const fs::path temporary = fs::path(folder) / (std::string(name) + ".tmp");
  torch::serialize::OutputArchive archive;
  fill(archive);
  archive.save_to(temporary.string());
  fs::rename(temporary, final_path);

  for (const auto& entry : fs::directory_iterator(folder)) {  // left by a job killed mid-write
    if (entry.path().extension() == ".tmp") fs::remove(entry.path());
  }
  auto all = list_checkpoints(folder);
  while (static_cast<int>(all.size()) > keep) {
    fs::remove(all.begin()->second);
    all.erase(all.begin());
  }
  return final_path.string();
}

std::optional<std::string> newest_checkpoint(const std::string& folder) {
  const auto all = list_checkpoints(folder);
  if (all.empty()) return std::nullopt;
  return all.rbegin()->second.string();
}

void remove_checkpoints(const std::string& folder) {
  if (!fs::is_directory(folder)) return;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) == 0) fs::remove(entry.path());
  }
}

}  // namespace dap
