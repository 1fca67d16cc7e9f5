#include "core/train/checkpointed_run.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/base/stop_signal.h"
#include "core/dist/mpi_context.h"
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
  const auto newest = newest_checkpoint(checkpoint_folder());
  if (newest && !resume_) {
    if (stage_.mpi.is_root()) {
      spdlog::warn("{}.checkpoint.resume = false: removing the checkpoints in {}", config_key_, checkpoint_folder());
      remove_checkpoints(checkpoint_folder());
    }
  } else if (newest) {
    torch::serialize::InputArchive archive;
    archive.load_from(*newest);
    if (read_text(archive, "identity") != identity_) {
      throw InputError("checkpoint '" + *newest +
                       "' was written with different model or training settings; use another run.name or set " +
                       config_key_ + ".checkpoint.resume=false to start over");
    }
    restore(archive);
    step = read_int(archive, "step");
    last_checkpoint_ = *newest;
    if (stage_.mpi.is_root()) spdlog::info("resuming from {} (step {})", *newest, step);
  }
  barrier();  // nobody reads checkpoints while rank 0 removes them
  if (stage_.mpi.is_root()) {
    fs::create_directories(folder_);
    std::ofstream(fs::path(folder_) / "config.lua") << stage_.resolved_config;
    metrics_ = std::make_unique<MetricsLog>((fs::path(folder_) / "metrics.jsonl").string(), step);
  }
}

void CheckpointedRun::save(const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  // Every rank holds the same weights; rank 0 writes, the others wait so that
  // nobody runs ahead of a checkpoint that may be needed to resume.
  if (stage_.mpi.is_root()) {
    last_checkpoint_ = write_checkpoint(checkpoint_folder(), step, keep_, [&](auto& archive) {
      fill(archive);
      write_int(archive, "step", step);
      write_text(archive, "identity", identity_);
      write_text(archive, "config", stage_.resolved_config);
    });
  }
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
  if (metrics_) metrics_->write(line);
}

void CheckpointedRun::plot_curves(const std::string& file, const std::vector<std::string>& y_keys,
                                  const std::string& y_label) const {
  if (!stage_.mpi.is_root()) return;
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
  if (!stage_.mpi.is_root()) return path.string();
  torch::serialize::OutputArchive archive;
  fill(archive);
  write_text(archive, "config", stage_.resolved_config);
  archive.save_to(path.string() + ".tmp");
  fs::rename(path.string() + ".tmp", path);
  return path.string();
}

}  // namespace dap
