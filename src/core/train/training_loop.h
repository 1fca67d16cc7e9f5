// The one training loop of dap-pretrain and dap-finetune. It owns what both
// do alike: batches from the loader, step counting and timing, a metrics line
// every log_every_steps, checkpoints on schedule, the stop signal (checkpoint,
// plot, exit 75), the training curves and the final export. The stage supplies
// a TrainingTask: its step, its metrics, its state and what it exports.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "core/data/batch_loader.h"
#include "core/train/checkpointed_run.h"

namespace dap {

// The steps since the last metrics line.
struct LogWindow {
  int64_t steps = 0;
  double loss_sum = 0;   // sum of the steps' losses (each averaged over ranks)
  double data_wait = 0;  // seconds spent waiting for batches
  double seconds = 0;    // wall seconds of the steps, data wait included
  double mean_loss() const { return steps > 0 ? loss_sum / static_cast<double>(steps) : 0.0; }
};

// A curve of metrics.jsonl against the step, drawn into the run folder.
struct CurvePlot {
  std::string file;                 // e.g. "loss.png"
  std::vector<std::string> y_keys;  // metrics.jsonl keys
  std::string y_label;
};

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;

  // Restores the stage's state from a checkpoint (called by CheckpointedRun::start).
  virtual void restore(torch::serialize::InputArchive& archive) = 0;
  // Adds the stage's state to a checkpoint.
  virtual void save(torch::serialize::OutputArchive& archive) = 0;
  // The loader for steps [first_step, end_step); the task may log its plan here (rank 0).
  virtual std::unique_ptr<BatchLoader> start(int64_t first_step, int64_t end_step) = 0;
  // One optimisation step at run.step (not yet counted). Returns the loss
  // averaged over ranks; throws NonFiniteLossError (via CheckpointedRun::check_finite).
  virtual double train_step(const Batch& batch) = 0;
  // The metrics line of `window` (step = run.step, the last step counted). Called
  // on every rank, so it may reduce over ranks; rank 0 writes it to metrics.jsonl.
  virtual nlohmann::ordered_json metrics_line(const LogWindow& window) = 0;
  // The human-readable part of the progress line after "step N/M ".
  virtual std::string progress_text(const nlohmann::ordered_json& line) const = 0;
  // Writes the stage's product (adapter.pt, model.pt); called once all
  // scheduled steps are done.
  virtual void export_result() = 0;
  virtual std::vector<CurvePlot> curves() const = 0;
  // "pretraining", "fine-tuning": for log lines.
  virtual std::string activity() const = 0;
};

// The body of a training stage: sets this rank's threads (libtorch intra-op,
// OpenBLAS) and deterministic cuDNN, runs `train` and turns a
// NonFiniteLossError into kExitNonFiniteLoss (rank 0 logs it).
int run_training_stage(const StageContext& stage, const config::ThreadsConfig& threads,
                       const std::function<int()>& train);

// Runs `task` from the newest checkpoint (or the start) up to run.end_step.
// Returns kExitOk, or kExitCheckpointedForRequeue after a stop signal.
int run_training_loop(CheckpointedRun& run, TrainingTask& task);

}  // namespace dap
