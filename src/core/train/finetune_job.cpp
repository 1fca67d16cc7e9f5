#include "core/train/finetune_job.h"

#include <chrono>
#include <filesystem>

#include <torch/torch.h>

#include "core/config/config_binding.h"
#include "core/data/batch_loader.h"
#include "core/data/clip_selection.h"
#include "core/error.h"
#include "core/eval/predictions_file.h"
#include "core/eval/pseudo_labels.h"
#include "core/log.h"
#include "core/stop_signal.h"
#include "core/train/checkpointed_run.h"
#include "core/train/gradient_averager.h"
#include "core/train/pretrain_job.h"
#include "core/train/schedules.h"
#include "core/train/training_setup.h"
#include "core/train/video_classifier.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

using Clock = std::chrono::steady_clock;

// What a checkpoint must agree on to be resumed (see training_identity in pretrain_job.cpp).
std::string finetune_identity(const config::ExperimentConfig& experiment) {
  const config::FinetuneConfig c = without_run_settings(experiment.finetune);
  config::PretrainConfig model;
  model.backbone = experiment.pretrain.backbone;
  model.adapter = experiment.pretrain.adapter;
  model.views = experiment.pretrain.views;
  return config::config_to_lua(c) + config::config_to_lua(model);
}

// Pseudo-labels from the teacher's predictions (finetune.labels), written
// beside the run with how many of them are right where the truth is known.
std::vector<PseudoLabel> choose_pseudo_labels(const config::LabelsConfig& c, const std::vector<std::string>& classes,
                                              const std::string& folder, bool root) {
  const Predictions teacher = read_predictions(c.predictions);
  if (teacher.class_names != classes) {
    throw InputError("finetune.labels.predictions: the classes of '" + c.predictions +
                     "' differ from the training shards' classes");
  }
  PseudoLabelSettings settings;
  settings.mode = c.selection;
  settings.threshold = c.threshold;
  settings.k_per_class = c.k_per_class;
  settings.temperature = c.temperature;
  const auto labels = select_pseudo_labels(teacher, settings);
  if (root) {
    const auto accuracy = pseudo_label_accuracy(labels, teacher.video_ids, teacher.labels);
    fs::create_directories(folder);
    write_pseudo_labels((fs::path(folder) / "pseudo_labels.csv").string(), labels);
    spdlog::info("pseudo-labels: {} of {} videos selected ({} {}); correct where the truth is known: {} of {} ({:.2f}%)",
                 labels.size(), teacher.size(), c.selection,
                 c.selection == "threshold" ? std::to_string(c.threshold) : std::to_string(c.k_per_class),
                 accuracy.correct, accuracy.with_truth, accuracy.accuracy);
  }
  return labels;
}

class FinetuneRun {
 public:
  FinetuneRun(const StageContext& stage, const config::FinetuneConfig& c)
      : stage_(stage),
        c_(c),
        device_(training_device(c.device, stage.mpi)),
        data_(clip_set_folders(c.data, stage.config.preprocess)),
        selection_(select_clips(data_, c.data, c.split)),
        run_(stage, finetune_run_folder(stage.config), c.checkpoint, finetune_identity(stage.config), "finetune") {
    if (data_.class_names().empty()) {
      throw InputError("the shards of " + data_.folders().front() +
                       " name no classes: set preprocess.data.class_names or class_map and preprocess again");
    }
    if (c.labels.source == "pseudo") {
      apply_pseudo_labels(data_, choose_pseudo_labels(c.labels, data_.class_names(), run_.folder(), stage.mpi.is_root()),
                          c.labels.predictions, selection_);
    }
    keep_labelled(selection_);
    sampler_ = std::make_unique<DistributedSampler>(selection_.clips, c.optim.global_batch, stage.mpi.rank(),
                                                    stage.mpi.size(), static_cast<uint64_t>(c.seed));
    const int64_t steps_per_epoch = sampler_->steps_per_epoch();
    const auto warmup = static_cast<int64_t>(std::llround(c.optim.warmup_epochs * steps_per_epoch));
    lr_factor_ = cosine_schedule(1.0, c.optim.min_lr_fraction, c.optim.epochs, steps_per_epoch, warmup);
    run_.end_step = c.optim.max_steps > 0 ? std::min<int64_t>(c.optim.max_steps, lr_factor_.size())
                                          : static_cast<int64_t>(lr_factor_.size());

    built_ = build_video_classifier(stage.config, data_.class_names(), finetune_adapter_file(stage.config), c.seed);
    model_ = built_.model;
    if (!c.train_backbone) {
      for (auto& p : model_->backbone()->parameters()) p.set_requires_grad(false);
    }
    model_->to(device_);
    reducer_ = make_gradient_reducer(device_);
    optimizer_ = make_adamw(*model_, {c.optim.lr_pretrained, c.optim.lr_new}, c.optim.weight_decay,
                            [this](const std::string& name) { return built_.pretrained.count(name) ? 0 : 1; });
    averager_ = std::make_unique<GradientAverager>(trainable_parameters(*model_), *reducer_, stage.mpi.size());
  }

  int run();

 private:
  struct StepResult {
    double loss = 0;
    int64_t correct = 0;
  };
  StepResult train_step(const Batch& batch);
  void log_metrics(double loss, double accuracy, double seconds, double data_wait, int64_t steps);
  void save_checkpoint();

  const StageContext& stage_;
  const config::FinetuneConfig& c_;
  torch::Device device_;
  ShardDataset data_;
  ClipSelection selection_;
  CheckpointedRun run_;
  std::unique_ptr<DistributedSampler> sampler_;
  std::vector<double> lr_factor_;  // per step, multiplies both learning rates
  BuiltClassifier built_;
  VideoClassifier model_{nullptr};
  std::unique_ptr<SumAllReduce> reducer_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<GradientAverager> averager_;
};

int FinetuneRun::run() {
  run_.start([this](auto& archive) {
    torch::serialize::InputArchive model, optimizer;
    archive.read("model", model);
    archive.read("optimizer", optimizer);
    model_->load(model);
    optimizer_->load(optimizer);
  });
  const bool root = stage_.mpi.is_root();
  if (root) {
    spdlog::info("fine-tuning on {}: {} labelled clips ({} classes) of {} in {} folder(s){}, {} rank(s) x {} clips, "
                 "{} steps/epoch, steps {}..{} of {}",
                 device_.str(), selection_.clips.size(), data_.class_names().size(), data_.size(),
                 data_.folders().size(),
                 selection_.listed_not_found > 0
                     ? " (" + std::to_string(selection_.listed_not_found) + " listed videos not in the shards)"
                     : "",
                 stage_.mpi.size(), sampler_->local_batch(), sampler_->steps_per_epoch(), run_.step, run_.end_step,
                 lr_factor_.size());
    spdlog::info("head {}, adapter {}, backbone {}; {} pretrained parameter tensors at lr {}, the rest at lr {}",
                 c_.head.kind, finetune_adapter_file(stage_.config).empty() ? "fresh" : finetune_adapter_file(stage_.config),
                 c_.train_backbone ? "trained" : "frozen", built_.pretrained.size(), c_.optim.lr_pretrained,
                 c_.optim.lr_new);
  }
  install_stop_signal_handlers();
  BatchLoader loader(data_, *sampler_, view_settings(stage_.config.pretrain.views, c_.input),
                     static_cast<uint64_t>(c_.seed), run_.step, run_.end_step, c_.loader.workers, c_.loader.prefetch,
                     selection_.labels);
  double loss_sum = 0, seconds = 0, data_wait = 0;
  int64_t correct = 0, steps = 0;
  while (run_.step < run_.end_step) {
    const auto wait_start = Clock::now();
    Batch batch = loader.next();
    const auto step_start = Clock::now();
    const StepResult result = train_step(batch);
    ++run_.step;
    ++steps;
    loss_sum += result.loss;
    correct += result.correct;
    data_wait += std::chrono::duration<double>(step_start - wait_start).count();
    seconds += std::chrono::duration<double>(Clock::now() - wait_start).count();
    const bool stop = run_.stop_requested();
    if (run_.step % c_.log_every_steps == 0 || run_.step == run_.end_step || stop) {
      const double accuracy = 100.0 * static_cast<double>(allreduce_sum(correct)) /
                              static_cast<double>(steps * c_.optim.global_batch);
      if (root) log_metrics(loss_sum / steps, accuracy, seconds, data_wait, steps);
      loss_sum = seconds = data_wait = 0;
      correct = steps = 0;
    }
    if (run_.checkpoint_due(stop)) save_checkpoint();
    if (stop) {
      run_.plot_curves("loss.png", {"loss"}, "cross-entropy");
      if (root) spdlog::warn("stop signal received: checkpoint {} saved at step {}; run again to continue",
                             run_.last_checkpoint(), run_.step);
      return kExitCheckpointedForRequeue;
    }
  }
  if (run_.step >= static_cast<int64_t>(lr_factor_.size())) {
    const std::string path = run_.export_file(
        "model.pt", [&](auto& archive) { write_trained_classifier(archive, model_, data_.class_names()); });
    if (root) spdlog::info("fine-tuned model written to {}", path);
  }
  run_.plot_curves("loss.png", {"loss"}, "cross-entropy");
  run_.plot_curves("accuracy.png", {"train_top1"}, "train top-1 (%)");
  if (root) spdlog::info("fine-tuning finished at step {} of {}", run_.step, lr_factor_.size());
  return 0;
}

FinetuneRun::StepResult FinetuneRun::train_step(const Batch& batch) {
  const int64_t epoch = run_.step / sampler_->steps_per_epoch();
  const double factor = lr_factor_[static_cast<size_t>(run_.step)];
  set_learning_rate_and_decay(*optimizer_, {c_.optim.lr_pretrained * factor, c_.optim.lr_new * factor},
                              c_.optim.weight_decay);
  model_->train();
  model_->backbone()->eval();  // BatchNorm statistics stay as pretrained
  const torch::Tensor clips = batch_clips_to_device(batch, device_);
  const torch::Tensor labels = torch::tensor(std::vector<int64_t>(batch.labels.begin(), batch.labels.end()),
                                             torch::kLong).to(device_);
  const torch::Tensor logits = model_->forward(clips);
  const torch::Tensor loss = torch::nn::functional::cross_entropy(
      logits, labels, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(c_.optim.label_smoothing));
  const double local_loss = loss.item<double>();
  run_.check_finite(local_loss, epoch);
  optimizer_->zero_grad();
  loss.backward();
  averager_->average();
  if (c_.optim.clip_grad > 0) clip_gradients_per_parameter(trainable_parameters(*model_), c_.optim.clip_grad);
  optimizer_->step();
  StepResult result;
  result.loss = allreduce_mean(local_loss);
  result.correct = logits.argmax(1).eq(labels).sum().item<int64_t>();
  return result;
}

void FinetuneRun::log_metrics(double loss, double accuracy, double seconds, double data_wait, int64_t steps) {
  const size_t last = static_cast<size_t>(run_.step - 1);
  const int64_t epoch = (run_.step - 1) / sampler_->steps_per_epoch();
  nlohmann::ordered_json line = {
      {"step", run_.step},
      {"epoch", epoch},
      {"loss", loss},
      {"train_top1", accuracy},
      {"lr_pretrained", c_.optim.lr_pretrained * lr_factor_[last]},
      {"lr_new", c_.optim.lr_new * lr_factor_[last]},
      {"clips_per_s", seconds > 0 ? static_cast<double>(steps * c_.optim.global_batch) / seconds : 0.0},
      {"data_wait_fraction", seconds > 0 ? data_wait / seconds : 0.0},
  };
  run_.write_metrics(line);
  spdlog::info("step {}/{} epoch {} loss {:.5f} train top-1 {:.1f}% lr {:.3g}/{:.3g} {:.2f} clips/s", run_.step,
               run_.end_step, epoch, loss, accuracy, line["lr_pretrained"].get<double>(),
               line["lr_new"].get<double>(), line["clips_per_s"].get<double>());
}

void FinetuneRun::save_checkpoint() {
  run_.save([&](auto& archive) {
    torch::serialize::OutputArchive model, optimizer;
    model_->save(model);
    optimizer_->save(optimizer);
    archive.write("model", model);
    archive.write("optimizer", optimizer);
  });
}

}  // namespace

std::string finetune_run_folder(const config::ExperimentConfig& config) {
  return (fs::path(config.run.root) / config.run.name / "finetune" / config.finetune.tag()).string();
}

std::string finetune_adapter_file(const config::ExperimentConfig& config) {
  const std::string& choice = config.finetune.init_adapter;
  if (choice == "none") return "";
  if (choice == "pretrain") return (fs::path(pretrain_run_folder(config)) / "adapter.pt").string();
  return choice;
}

namespace {

// Problems every rank finds alike, reported as config errors naming the key
// (exit 2 on every rank) before anything is built.
void check_finetune_config(const StageContext& stage) {
  const auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(config::format_config_error(stage.tree.origin_of(key), key, what));
  };
  const config::FinetuneConfig& c = stage.config.finetune;
  if (c.optim.global_batch % stage.mpi.size() != 0) {
    fail("finetune.optim.global_batch",
         "must be divisible by the number of ranks (" + std::to_string(stage.mpi.size()) + ")");
  }
  const std::string adapter = finetune_adapter_file(stage.config);
  if (!adapter.empty() && !fs::is_regular_file(adapter)) {
    fail("finetune.init_adapter", "'" + adapter + "' does not exist (run dap-pretrain first, name another "
                                  "adapter.pt, or set \"none\" for the baseline)");
  }
  if (c.labels.source == "pseudo" && !fs::is_regular_file(c.labels.predictions)) {
    fail("finetune.labels.predictions", "'" + c.labels.predictions + "' does not exist (dap-evaluate's predict task "
                                        "writes predictions.h5)");
  }
}

}  // namespace

int run_finetune(const StageContext& stage) {
  const config::FinetuneConfig& c = stage.config.finetune;
  check_finetune_config(stage);
  return run_training_stage(stage, c.threads, [&] { return FinetuneRun(stage, c).run(); });
}

}  // namespace dap
