// The stage command line on CLI11. Errors become ConfigError so every stage
// reports them the way it reports a bad config.
#include "core/base/cli.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "core/base/error.h"
#include "core/base/exit_codes.h"

namespace dap {
namespace {

std::string overrides_help(const std::string& stage) {
  return "Overrides: each key.path=value after the options sets one config key after the\n"
         "config file (and its base files) are loaded. The value is a Lua expression\n"
         "(16, 2.5, true, \"text\", {1, 2}); anything that is not one is taken as a plain\n"
         "string. Example:\n"
         "  dap-" + stage + " --config lua/preprocess_demo.lua preprocess.sampling.num_frames=16 \\\n"
         "      preprocess.data.name=arid run.name=try2 --print-config\n"
         "Config files run in a restricted Lua environment (no io, os.execute, require);\n"
         "os.getenv is available for paths.\n";
}

}  // namespace

std::optional<StageOptions> parse_stage_cli(const std::string& stage, const std::string& description,
                                            int argc, char** argv) {
  StageOptions options;
  CLI::App app{description, "dap-" + stage};
  app.add_option("--config", options.config_path, "experiment config file (lua/<file>.lua)")->required();
  app.add_flag("--print-config", options.print_config, "print the fully resolved config and exit");
  app.add_option("overrides", options.overrides, "config overrides, key.path=value (see below)");
  app.footer(overrides_help(stage));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    throw ConfigError("dap-" + stage + ": " + error.what() + " (run dap-" + stage + " --help for usage)");
  }
  for (const std::string& text : options.overrides) {
    if (text.find('=') == std::string::npos) {
      throw ConfigError("dap-" + stage + ": bad argument '" + text +
                        "': overrides have the form key.path=value, e.g. preprocess.sampling.num_frames=16");
    }
  }
  return options;
}

int run_placeholder_stage(const std::string& stage, int argc, char** argv) {
  try {
    if (!parse_stage_cli(stage, "dap-" + stage + " (not implemented yet)", argc, argv)) return 0;
  } catch (const Error& error) {
    std::cerr << error.what() << '\n';
    return kExitConfigError;
  }
  std::cerr << "dap-" << stage << ": not implemented yet\n";
  return kExitConfigError;
}

}  // namespace dap
