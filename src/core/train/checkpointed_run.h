// The bookkeeping of a training run (dap-pretrain, dap-finetune): its run
// folder with config.lua and metrics.jsonl, resuming from the newest
// checkpoint or starting over, atomic checkpoints written by rank 0, the
// all-ranks decisions (stop signal, non-finite loss), the training curves and
// the exported result. The loop over steps is training_loop.h's; the stage
// keeps its own model and what goes into a checkpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "core/config/training_config.h"
#include "core/io/metrics_log.h"
#include "core/run/stage_main.h"

namespace dap {

class CheckpointedRun {
 public:
  // settings: the section's checkpoint and logging cadence; identity: the
  // settings a checkpoint must share to be resumed; config_key: the section
  // whose checkpoint.resume governs this run ("pretrain", "finetune").
  CheckpointedRun(const StageContext& stage, std::string folder, const config::TrainingRunSettings& settings,
                  std::string identity, std::string config_key);

  // Resumes from the newest intact checkpoint (passing it to `restore`, which
  // reads the stage's entries; damaged newer ones are set aside, and when none
  // is intact every rank throws BadInputError) or, with checkpoint.resume =
  // false, removes the old ones. Then writes config.lua and opens metrics.jsonl
  // on rank 0. All ranks call it.
  void start(const std::function<void(torch::serialize::InputArchive&)>& restore);

  // Rank 0 writes step_<step>.pt (identity, step and config added to `fill`'s
  // entries); every rank learns the path. Like every write below, it is
  // collective: when the disk is full, every rank throws the OutOfSpaceError.
  void save(const std::function<void(torch::serialize::OutputArchive&)>& fill);

  // True on every rank when any rank received SIGTERM / SIGUSR1.
  bool stop_requested() const;
  // Throws NonFiniteLossError on every rank when any rank's loss is not finite.
  void check_finite(double local_loss, int64_t epoch) const;
  bool checkpoint_due(bool stopping) const {
    return step % every_steps_ == 0 || step == end_step || stopping;
  }

  void write_metrics(const nlohmann::ordered_json& line) const;  // written by rank 0
  // <file> in the run folder: `y_keys` of metrics.jsonl against step (drawn by rank 0).
  void plot_curves(const std::string& file, const std::vector<std::string>& y_keys, const std::string& y_label) const;
  // Writes `fill`'s archive as <folder>/<name> atomically (filled and written by rank 0); returns the path.
  std::string export_file(const std::string& name,
                          const std::function<void(torch::serialize::OutputArchive&)>& fill) const;

  bool is_root() const { return stage_.mpi.is_root(); }
  int64_t log_every_steps() const { return log_every_steps_; }
  const std::string& folder() const { return folder_; }
  const std::string& last_checkpoint() const { return last_checkpoint_; }
  std::string checkpoint_folder() const;

  int64_t step = 0;         // finished steps
  int64_t end_step = 0;     // where this invocation stops (optim.max_steps)
  int64_t total_steps = 0;  // the whole schedule; the result is exported when step reaches it

 private:
  void plot_curves_on_root(const std::string& file, const std::vector<std::string>& y_keys,
                           const std::string& y_label) const;

  const StageContext& stage_;
  std::string folder_;
  int64_t every_steps_;
  int64_t log_every_steps_;
  int keep_;
  bool resume_;
  std::string identity_;
  std::string config_key_;
  std::string last_checkpoint_ = "none";
  std::unique_ptr<MetricsLog> metrics_;
};

}  // namespace dap
