#include "core/train/training_loop.h"

#include <chrono>

#include <torch/torch.h>

#include "core/base/blas_threads.h"
#include "core/base/exit_codes.h"
#include "core/base/log.h"
#include "core/base/progress.h"
#include "core/base/stop_signal.h"
#include "core/dist/stall_watchdog.h"
#include "core/models/torch_threads.h"
#include "core/train/training_setup.h"  // NonFiniteLossError

namespace dap {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void plot_curves(const CheckpointedRun& run, const TrainingTask& task) {
  for (const auto& curve : task.curves()) run.plot_curves(curve.file, curve.y_keys, curve.y_label);
}

}  // namespace

int run_training_stage(const StageContext& stage, const config::ThreadsConfig& threads,
                       const std::function<int()>& train) {
  set_torch_threads(threads.intra_op);
  set_openblas_threads(threads.openblas);
  torch::globalContext().setDeterministicCuDNN(true);
  try {
    return train();
  } catch (const NonFiniteLossError& e) {
    if (stage.mpi.is_root()) spdlog::error("{}", e.what());
    return kExitNonFiniteLoss;
  }
}

int run_training_loop(CheckpointedRun& run, TrainingTask& task) {
  run.start([&](auto& archive) { task.restore(archive); });
  const bool root = run.is_root();
  const auto save = [&] { run.save([&](auto& archive) { task.save(archive); }); };
  std::unique_ptr<BatchLoader> loader = task.start(run.step, run.end_step);
  install_stop_signal_handlers();
  LogWindow window;
  // Elapsed time and ETA count from this job's first step (a resumed run's earlier steps are not timed here).
  const int64_t first_step = run.step;
  const auto job_start = Clock::now();
  while (run.step < run.end_step) {
    const auto wait_start = Clock::now();
    Batch batch = loader->next();
    window.data_wait += seconds_since(wait_start);
    {
      // Its collectives may be enqueued on a GPU stream, to be waited for anywhere in the step.
      PeerWait wait("a training step");
      window.loss_sum += task.train_step(batch);
    }
    loader->recycle(std::move(batch));  // the step is done with its tensors over the batch
    window.seconds += seconds_since(wait_start);
    ++run.step;
    ++window.steps;
    // Every rank learns whether any rank was signalled, so all stop at the same step.
    const bool stop = run.stop_requested();
    if (run.step % run.log_every_steps() == 0 || run.step == run.end_step || stop) {
      const nlohmann::ordered_json line = task.metrics_line(window);
      run.write_metrics(line);
      if (root) {
        const double elapsed = seconds_since(job_start);
        const double per_step = elapsed / static_cast<double>(run.step - first_step);
        spdlog::info("step {}/{} ({:.1f}%) | elapsed {} | ETA {} | {}", run.step, run.end_step,
                     100.0 * static_cast<double>(run.step) / static_cast<double>(run.end_step),
                     format_duration(elapsed), format_duration(per_step * static_cast<double>(run.end_step - run.step)),
                     task.progress_text(line));
      }
      window = {};
    }
    if (run.checkpoint_due(stop)) save();
    if (stop) {
      plot_curves(run, task);
      if (root) {
        spdlog::warn("stop signal received: checkpoint {} saved at step {}; run again to continue",
                     run.last_checkpoint(), run.step);
      }
      return kExitCheckpointedForRequeue;
    }
  }
  if (run.step >= run.total_steps) task.export_result();
  plot_curves(run, task);
  if (root) spdlog::info("{} finished at step {} of {}", task.activity(), run.step, run.total_steps);
  return kExitOk;
}

}  // namespace dap
