// Logging with a rank prefix ("[rank 1/4]") so interleaved Slurm logs stay readable.
// Call init_logging() once after MPI is up; then use spdlog::info/warn/error.
#pragma once

#include <spdlog/spdlog.h>

namespace dap {

void init_logging(int rank, int world_size);

}  // namespace dap
