#include "core/data/preprocessed_folder.h"

#include <filesystem>

#include "core/config/config_binding.h"
#include "core/io/sha256.h"

namespace dap {

std::string preprocess_settings_sha256(const config::PreprocessConfig& c) {
  // Only what changes the stored data: not the output place, threads or failure tolerance.
  std::string identity = config::config_to_lua(c.data) + config::config_to_lua(c.sampling) +
                         config::config_to_lua(c.resize) + config::config_to_lua(c.enhancer);
  if (c.enhancer.name == "sci") identity += sha256_file(c.enhancer.weights);
  return sha256_bytes(identity.data(), identity.size());
}

std::string preprocess_output_folder(const config::PreprocessConfig& c, const std::string& settings_sha256) {
  if (!c.output.dir.empty()) return c.output.dir;
  return (std::filesystem::path(c.output.root) / (c.data.name + "-" + settings_sha256.substr(0, 12))).string();
}

}  // namespace dap
