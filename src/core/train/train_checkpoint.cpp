#include "core/train/train_checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <torch/torch.h>

#include "core/base/log.h"
#include "core/io/sha256.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

constexpr const char* kPrefix = "step_";
constexpr const char* kSuffix = ".pt";
constexpr const char* kChecksumSuffix = ".sha256";
constexpr const char* kDamagedSuffix = ".damaged";

// step -> path of the checkpoint files in `folder`.
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

std::string checksum_path(const fs::path& checkpoint) { return checkpoint.string() + kChecksumSuffix; }

void remove_checkpoint(const fs::path& checkpoint) {
  fs::remove(checkpoint);
  fs::remove(checksum_path(checkpoint));
}

// Leftovers: temporary files of a job killed mid-write, checksums whose checkpoint is gone.
void remove_leftovers(const std::string& folder) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const fs::path& path = entry.path();
    const std::string name = path.string();
    const bool orphan_checksum = path.extension() == kChecksumSuffix && path.stem().extension() == kSuffix &&
                                 !fs::exists(name.substr(0, name.size() - std::string(kChecksumSuffix).size()));
    if (path.extension() == ".tmp" || orphan_checksum) fs::remove(path);
  }
}

}  // namespace

void save_archive(torch::serialize::OutputArchive& archive, const std::string& path,
                  const BeforeRename& before_rename) {
  // Through a sink that never refuses: libtorch's zip writer, refused a write, throws from a destructor and
  // terminates the process ("unexpected pos"); the sink reports the failure once the archive is done.
  write_file_atomically(
      path,
      [&](const ByteSink& sink) {
        archive.save_to([&](const void* data, size_t size) {
          sink(data, size);
          return size;
        });
      },
      before_rename);
}

std::string write_checkpoint(const std::string& folder, int64_t step, int keep,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  create_folder(folder);
  char name[64];
  std::snprintf(name, sizeof(name), "%s%09lld%s", kPrefix, static_cast<long long>(step), kSuffix);
  const fs::path final_path = fs::path(folder) / name;
  torch::serialize::OutputArchive archive;
  fill(archive);
  // The checksum goes first: a checkpoint under its final name always has one.
  save_archive(archive, final_path.string(), [&](const std::string& temporary) {
    write_text_file(checksum_path(final_path), sha256_file(temporary) + "\n");
  });

  remove_leftovers(folder);
  auto all = list_checkpoints(folder);
  while (static_cast<int>(all.size()) > keep) {
    remove_checkpoint(all.begin()->second);
    all.erase(all.begin());
  }
  return final_path.string();
}

std::optional<std::string> newest_checkpoint(const std::string& folder) {
  const auto all = list_checkpoints(folder);
  if (all.empty()) return std::nullopt;
  return all.rbegin()->second.string();
}

std::string checkpoint_damage(const std::string& path) {
  std::ifstream checksum(checksum_path(path));
  std::string expected;
  if (checksum >> expected) {
    const std::string actual = sha256_file(path);
    return actual == expected ? "" : "its SHA-256 differs from the one recorded in " + checksum_path(path) +
                                         " (truncated or altered after it was written)";
  }
  try {  // written before checkpoints had checksums: readable is the best that can be checked
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    read_int(archive, "step");
    return "";
  } catch (const std::exception& e) {
    const std::string what = e.what();
    return "it cannot be read (" + what.substr(0, what.find('\n')) + ")";
  }
}

std::optional<std::string> newest_intact_checkpoint(const std::string& folder, std::vector<std::string>* set_aside) {
  const auto all = list_checkpoints(folder);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const std::string path = it->second.string();
    const std::string damage = checkpoint_damage(path);
    if (damage.empty()) return path;
    const std::string aside = path + kDamagedSuffix;
    fs::rename(path, aside);
    if (fs::exists(checksum_path(path))) fs::rename(checksum_path(path), aside + kChecksumSuffix);
    spdlog::warn("checkpoint {} is damaged: {}; set aside as {}, trying the next older one", path, damage, aside);
    if (set_aside) set_aside->push_back(aside);
  }
  return std::nullopt;
}

void remove_checkpoints(const std::string& folder) {
  if (!fs::is_directory(folder)) return;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) == 0) fs::remove(entry.path());
  }
}

}  // namespace dap
