// The command line every stage shares (docs/PREPROCESS.md):
//   dap-<stage> --config lua/<file>.lua [key.path=value ...] [--print-config]
// Parsing only; each stage's main loads the config and acts on print_config.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dap {

struct StageOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // "key.path=value", applied in order
  bool print_config = false;           // print the resolved config and exit 0
};

// Parses `dap-<stage> --config FILE [key.path=value ...] [--print-config]`.
// Returns std::nullopt after printing --help (the caller exits 0). Throws
// ConfigError for bad arguments, with a pointer to --help.
std::optional<StageOptions> parse_stage_cli(const std::string& stage, const std::string& description,
                                            int argc, char** argv);

// For stages not built yet: parses the same options, prints
// "dap-<stage>: not implemented yet" to stderr and returns 2 (0 after --help).
int run_placeholder_stage(const std::string& stage, int argc, char** argv);

}  // namespace dap
