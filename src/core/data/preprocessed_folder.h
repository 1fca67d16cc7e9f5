// Where dap-preprocess puts the shards of a data set, as a function of the
// settings that determine the stored data. Later stages of the same
// experiment find the shards here, and experiments with the same data and
// settings share them.
#pragma once

#include <string>

#include "core/config/experiment_config.h"

namespace dap {

// Hash of everything that determines the stored pixels and labels.
std::string preprocess_settings_sha256(const config::PreprocessConfig& config);

// The shard folder for these settings: output.dir when set, else
// output.root/<data.name>-<first 12 hex of the settings hash>.
std::string preprocess_output_folder(const config::PreprocessConfig& config, const std::string& settings_sha256);

}  // namespace dap
