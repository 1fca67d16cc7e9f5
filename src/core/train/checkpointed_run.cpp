#include "core/train/checkpointed_run.h"

#include <cmath>
#include <filesystem>

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/base/stop_signal.h"
#include "core/dist/mpi_context.h"
#include "core/dist/shared_failure.h"
#include "core/io/atomic_file.h"
#include "core/io/png_image.h"
#include "core/results/plots.h"
#include "core/train/train_checkpoint.h"
#include "core/train/training_setup.h"

namespace fs = std::filesystem;

namespace dap {

CheckpointedRun::CheckpointedRun(const StageContext& stage, std::string folder,
                                 const config::TrainingRunSettings& settings, std::string identity,
                                 std::string config_key)
    : stage_(stage),
      folder_(std::move(folder)),
      every_steps_(settings.checkpoint.every_steps),
      log_every_steps_(settings.log_every_steps),
      keep_(settings.checkpoint.keep),
      resume_(settings.checkpoint.resume),
      identity_(std::move(identity)),
      config_key_(std::move(config_key)) {}

std::string CheckpointedRun::checkpoint_folder() const { return (fs::path(folder_) / "checkpoints").string(); }

void CheckpointedRun::start(const std::function<void(torch::serialize::InputArchive&)>& restore) {
  // Rank 0 inspects the folder (and sets damaged checkpoints aside); every rank restores what it chose.
  std::string chosen, failure;
  if (stage_.mpi.is_root()) {
    if (!resume_) {
      if (newest_checkpoint(checkpoint_folder())) {
        spdlog::warn("{}.checkpoint.resume = false: removing the checkpoints in {}", config_key_, checkpoint_folder());
        remove_checkpoints(checkpoint_folder());
      }
    } else {
      std::vector<std::string> set_aside;
      chosen = newest_intact_checkpoint(checkpoint_folder(), &set_aside).value_or("");
      if (chosen.empty() && !set_aside.empty()) {
        failure = "no intact checkpoint left in " + checkpoint_folder() + ": " + std::to_string(set_aside.size()) +
                  " damaged one(s) set aside as *.damaged. To start over, set " + config_key_ +
                  ".checkpoint.resume=false (or use another run.name)";
      }
    }
  }
  chosen = broadcast_string(chosen);
  failure = broadcast_string(failure);
  if (!failure.empty()) throw BadInputError(failure);
  if (!chosen.empty()) {
    torch::serialize::InputArchive archive;
    archive.load_from(chosen);
    if (read_text(archive, "identity") != identity_) {
      throw InputError("checkpoint '" + chosen +
                       "' was written with different model or training settings; use another run.name or set " +
                       config_key_ + ".checkpoint.resume=false to start over");
    }
    restore(archive);
    step = read_int(archive, "step");
    last_checkpoint_ = chosen;
    if (stage_.mpi.is_root()) spdlog::info("resuming from {} (step {})", chosen, step);
  }
  barrier();  // nobody reads checkpoints while rank 0 removes them
  write_on_root(stage_.mpi.is_root(), [&] {
    create_folder(folder_);
    write_text_file((fs::path(folder_) / "config.lua").string(), stage_.resolved_config);
    metrics_ = std::make_unique<MetricsLog>((fs::path(folder_) / "metrics.jsonl").string(), step);
  });
}

void CheckpointedRun::save(const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  // Every rank holds the same weights; rank 0 writes, the others wait so that
  // nobody runs ahead of a checkpoint that may be needed to resume. Out of
  // space, every rank stops here and the previous checkpoint stays.
  write_on_root(stage_.mpi.is_root(), [&] {
    last_checkpoint_ = write_checkpoint(checkpoint_folder(), step, keep_, [&](auto& archive) {
      fill(archive);
      write_int(archive, "step", step);
      write_text(archive, "identity", identity_);
      write_text(archive, "config", stage_.resolved_config);
    });
  });
  last_checkpoint_ = broadcast_string(last_checkpoint_);
}

bool CheckpointedRun::stop_requested() const { return allreduce_sum(int64_t{stop_signal_received() != 0}) > 0; }

void CheckpointedRun::check_finite(double local_loss, int64_t epoch) const {
  const int64_t bad = allreduce_sum(int64_t{!std::isfinite(local_loss)});
  if (bad > 0) {
    throw NonFiniteLossError("non-finite loss at step " + std::to_string(step + 1) + " (epoch " +
                             std::to_string(epoch) + ") on " + std::to_string(bad) +
                             " rank(s); last good checkpoint: " + last_checkpoint_);
  }
}

void CheckpointedRun::write_metrics(const nlohmann::ordered_json& line) const {
  write_on_root(stage_.mpi.is_root(), [&] { metrics_->write(line); });
}

void CheckpointedRun::plot_curves(const std::string& file, const std::vector<std::string>& y_keys,
                                  const std::string& y_label) const {
  write_on_root(stage_.mpi.is_root(), [&] { plot_curves_on_root(file, y_keys, y_label); });
}

void CheckpointedRun::plot_curves_on_root(const std::string& file, const std::vector<std::string>& y_keys,
                                          const std::string& y_label) const {
  const std::string metrics = (fs::path(folder_) / "metrics.jsonl").string();
  std::vector<Series> series;
  for (const auto& key : y_keys) {
    series.push_back(read_metric_series(metrics, "step", key));
    series.back().name = key;
  }
  LinePlotOptions options;
  options.title = "dap-" + config_key_ + " " + stage_.config.run.name;
  options.x_label = "step";
  options.y_label = y_label;
  write_png((fs::path(folder_) / file).string(), plot_lines(series, options));
}

std::string CheckpointedRun::export_file(const std::string& name,
                                         const std::function<void(torch::serialize::OutputArchive&)>& fill) const {
  const fs::path path = fs::path(folder_) / name;
  write_on_root(stage_.mpi.is_root(), [&] {
    torch::serialize::OutputArchive archive;
    fill(archive);
    write_text(archive, "config", stage_.resolved_config);
    save_archive(archive, path.string());
  });
  return path.string();
}

}  // namespace dap
