// dap-preprocess: videos -> HDF5 shards of sampled original + SCI-enhanced frames.
#include "core/run/stage_main.h"
#include "preprocess/preprocess_job.h"

int main(int argc, char** argv) {
  return dap::run_stage_main(argc, argv, "preprocess",
                             "Decode videos, sample and resize frames, enhance them with SCI and write HDF5 shards.",
                             [](const dap::StageContext& stage) { return dap::run_preprocess(stage); });
}
