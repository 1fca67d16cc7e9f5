// The common body of every dap-<stage> main(): MPI up, logging with the rank,
// CLI, config load + validation, resolved config printed on rank 0, then the
// stage. A config error and a BadInputError are the same on every rank, so
// each rank exits with kExitConfigError or kExitBadInput (rank 0 explains); a
// write that ran out of space, once every rank knows of it, ends each rank with
// kExitOutOfSpace (rank 0 names the file);
// any other error aborts the whole MPI job so no rank is left waiting
// (core/base/exit_codes.h).
#pragma once

#include <functional>
#include <string>

#include "core/config/config_tree.h"
#include "core/config/experiment_config.h"
#include "core/dist/mpi_context.h"

namespace dap {

struct StageContext {
  const config::ConfigTree& tree;  // where each value came from, for errors found by the stage
  const config::ExperimentConfig& config;
  const std::string& resolved_config;  // Lua text of the fully resolved config
  MpiContext& mpi;
};

using StageBody = std::function<int(const StageContext&)>;

int run_stage_main(int argc, char** argv, const std::string& stage, const std::string& description,
                   const StageBody& body);

}  // namespace dap
