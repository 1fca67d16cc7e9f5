#include "core/base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace dap {

void init_logging(int rank, int world_size) {
  // stderr, unbuffered: a killed job still shows its last lines in the Slurm log.
  auto logger = spdlog::stderr_logger_mt("dap-" + std::to_string(rank));
  logger->set_pattern("%Y-%m-%d %H:%M:%S [rank " + std::to_string(rank) + "/" +
                      std::to_string(world_size) + "] %^%l%$: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace dap
