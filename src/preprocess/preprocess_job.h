// The preprocessing stage: manifest -> decode, sample, resize -> SCI enhance
// -> HDF5 shards + index, on any number of MPI ranks.
//
// Ranks claim videos one at a time from a shared counter (longest files
// first), so a rank that drew long clips simply takes fewer. Each rank writes
// its own shards; rank 0 writes the index after all ranks are done. A rerun
// with the same settings reuses the complete shards and redoes the rest.
#pragma once

#include <string>

#include "core/config/experiment_config.h"
#include "core/data/preprocessed_folder.h"
#include "core/run/stage_main.h"

namespace dap {

int run_preprocess(const StageContext& stage);

}  // namespace dap
