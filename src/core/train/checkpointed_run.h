// The bookkeeping every training stage shares (dap-pretrain, dap-finetune):
// its run folder with config.lua and metrics.jsonl, resuming from the newest
// checkpoint or starting over, atomic checkpoints written by rank 0, the
// all-ranks decisions (stop signal, non-finite loss) and the training curve.
// The stage keeps its own model, loop and what goes into a checkpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "core/config/pretrain_config.h"
#include "core/metrics_log.h"
#include "core/stage_main.h"

namespace dap {

// Sets this rank's threads (libtorch intra-op, OpenBLAS) and deterministic
// cuDNN, runs `train` and turns a NonFiniteLossError into kExitNonFiniteLoss
// (stop_signal.h; rank 0 logs it).
int run_training_stage(const StageContext& stage, const config::ThreadsConfig& threads,
                       const std::function<int()>& train);

// A training section (pretrain or finetune) without what a resumed run may
// change: how long to run, logging, resources and where the shards lie. Its
// Lua text is the identity a checkpoint must share to be resumed.
template <class Section>
Section without_run_settings(Section c) {
  c.optim.max_steps = 0;
  c.loader = {};
  c.checkpoint = {};
  c.log_every_steps = 1;
  c.threads = {};
  c.device = "auto";
  c.data.shards = {};
  return c;
}

class CheckpointedRun {
 public:
  // identity: the settings a checkpoint must share to be resumed; config_key:
  // the section whose checkpoint.resume governs this run ("pretrain", "finetune").
  CheckpointedRun(const StageContext& stage, std::string folder, const config::CheckpointConfig& checkpoint,
                  std::string identity, std::string config_key);

  // Resumes from the newest checkpoint (passing it to `restore`, which reads the
  // stage's entries) or, with checkpoint.resume = false, removes the old ones.
  // Then writes config.lua and opens metrics.jsonl on rank 0. All ranks call it.
  void start(const std::function<void(torch::serialize::InputArchive&)>& restore);

  // Rank 0 writes step_<step>.pt (identity, step and config added to `fill`'s
  // entries); every rank learns the path.
  void save(const std::function<void(torch::serialize::OutputArchive&)>& fill);

  // True on every rank when any rank received SIGTERM / SIGUSR1.
  bool stop_requested() const;
  // Throws NonFiniteLossError on every rank when any rank's loss is not finite.
  void check_finite(double local_loss, int64_t epoch) const;
  bool checkpoint_due(bool stopping) const {
    return step % every_steps_ == 0 || step == end_step || stopping;
  }

  void write_metrics(const nlohmann::ordered_json& line) const;  // rank 0 only
  // <file> in the run folder: `y_keys` of metrics.jsonl against step (rank 0 only).
  void plot_curves(const std::string& file, const std::vector<std::string>& y_keys, const std::string& y_label) const;
  // Writes `fill`'s archive as <folder>/<name> atomically (rank 0 only); returns the path.
  std::string export_file(const std::string& name,
                          const std::function<void(torch::serialize::OutputArchive&)>& fill) const;

  const std::string& folder() const { return folder_; }
  const std::string& last_checkpoint() const { return last_checkpoint_; }
  std::string checkpoint_folder() const;

  int64_t step = 0;      // finished steps
  int64_t end_step = 0;  // where this invocation stops

 private:
  const StageContext& stage_;
  std::string folder_;
  int64_t every_steps_;
  int keep_;
  bool resume_;
  std::string identity_;
  std::string config_key_;
  std::string last_checkpoint_ = "none";
  std::unique_ptr<MetricsLog> metrics_;
};

}  // namespace dap
