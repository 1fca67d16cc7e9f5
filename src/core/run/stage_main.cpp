#include "core/run/stage_main.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/base/allocator.h"
#include "core/base/cli.h"
#include "core/base/error.h"
#include "core/base/exit_codes.h"
#include "core/base/log.h"
#include "core/config/config_binding.h"
#include "core/config/config_tree.h"
#include "core/dist/stall_watchdog.h"
#include "core/io/hdf5_handle.h"

namespace dap {

int run_stage_main(int argc, char** argv, const std::string& stage, const std::string& description,
                   const StageBody& body) {
  keep_freed_memory();
  h5::skip_cleanup_at_exit();
  MpiContext mpi(&argc, &argv);
  init_logging(mpi.rank(), mpi.size());
  try {
    const auto options = parse_stage_cli(stage, description, argc, argv);
    if (!options) return 0;
    const auto tree = config::load_config(options->config_path, options->overrides);
    const auto experiment = config::bind_config<config::ExperimentConfig>(tree);
    const std::string resolved = config::config_to_lua(experiment);
    if (options->print_config) {
      if (mpi.is_root()) std::fputs(resolved.c_str(), stdout);
      return 0;
    }
    if (mpi.is_root()) {
      spdlog::info("dap-{} on {} rank(s), config {}", stage, mpi.size(), options->config_path);
      if (const char* overlay = std::getenv("DAP_CONFIG_OVERLAY"); overlay != nullptr && *overlay != '\0') {
        spdlog::info("config overlay {} (DAP_CONFIG_OVERLAY) applied over it", overlay);
      }
      spdlog::info("resolved config:\n{}", resolved);
    }
    start_stall_watchdog(experiment.run.stall_timeout_s, mpi.size());
    return body(StageContext{tree, experiment, resolved, mpi});
  } catch (const ConfigError& e) {
    if (mpi.is_root()) spdlog::error("config error: {}", e.what());
    return kExitConfigError;
  } catch (const BadInputError& e) {
    // Found alike on every rank (or on rank 0 alone, when only it reads): no abort needed.
    if (mpi.is_root()) spdlog::error("input error: {}", e.what());
    return kExitBadInput;
  } catch (const OutOfSpaceError& e) {
    // Known on every rank (core/dist/shared_failure.h): one line from rank 0, the same exit everywhere.
    if (e.on_every_rank()) {
      if (mpi.is_root()) spdlog::error("{}", e.what());
      return kExitOutOfSpace;
    }
    spdlog::error("{}", e.what());
    spdlog::default_logger()->flush();
    abort_job(kExitOutOfSpace);
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    spdlog::default_logger()->flush();
    abort_job(kExitFailure);
  }
}

}  // namespace dap
