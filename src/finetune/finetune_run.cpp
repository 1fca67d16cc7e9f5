#include "finetune/finetune_run.h"

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/base/random.h"
#include "core/config/config_binding.h"
#include "core/data/batch_loader.h"
#include "core/data/clip_selection.h"
#include "core/data/test_clip_guard.h"
#include "core/dist/shared_failure.h"
#include "core/io/atomic_file.h"
#include "core/models/adapter_file.h"
#include "core/models/video_classifier.h"
#include "core/results/predictions_file.h"
#include "core/run/run_layout.h"
#include "core/train/batch_gather.h"
#include "core/train/gradient_averager.h"
#include "core/train/mixed_precision.h"
#include "core/train/schedules.h"
#include "core/train/training_loop.h"
#include "core/train/training_setup.h"
#include "finetune/actionclip_loss.h"
#include "finetune/pseudo_labels.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

// What a checkpoint must agree on to be resumed: everything that shapes the
// model or the trajectory (config/training_config.h), the pretrain section's
// model and views included.
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
std::vector<PseudoLabel> choose_pseudo_labels(const config::LabelsConfig& c, const std::string& predictions,
                                              const std::vector<std::string>& classes, const std::string& folder,
                                              bool root) {
  const Predictions teacher = read_predictions(predictions);
  if (teacher.class_names != classes) {
    throw InputError("finetune.labels.predictions: the classes of '" + predictions +
                     "' differ from the training shards' classes");
  }
  PseudoLabelSettings settings;
  settings.mode = c.selection;
  settings.threshold = c.threshold;
  settings.k_per_class = c.k_per_class;
  settings.temperature = c.temperature;
  const auto labels = select_pseudo_labels(teacher, settings);
  // Every rank takes part: a full disk ends all of them alike (shared_failure.h).
  write_on_root(root, [&] {
    create_folder(folder);
    write_pseudo_labels((fs::path(folder) / "pseudo_labels.csv").string(), labels);
  });
  if (root) {
    const auto accuracy = pseudo_label_accuracy(labels, teacher.video_ids, teacher.labels);
    const std::string rule = c.selection == "all"         ? "all"
                             : c.selection == "threshold" ? "threshold " + std::to_string(c.threshold)
                                                          : "topk_per_class " + std::to_string(c.k_per_class);
    spdlog::info("pseudo-labels: {} of {} videos selected ({}); correct where the truth is known: {} of {} ({:.2f}%)",
                 labels.size(), teacher.size(), rule,
                 accuracy.correct, accuracy.with_truth, accuracy.accuracy);
  }
  return labels;
}

// Supervised fine-tuning (or adaptation on pseudo-labels) as a TrainingTask.
class FinetuneTask : public TrainingTask {
 public:
  // pretrained_on: the clip ids the adapter records (carried into model.pt).
  FinetuneTask(const StageContext& stage, const config::FinetuneConfig& c,
               std::optional<std::vector<std::string>> pretrained_on)
      : stage_(stage),
        c_(c),
        device_(training_device(c.device, stage.mpi)),
        bf16_(uses_bf16(c.precision, device_)),
        data_(clip_set_folders(c.data, stage.config.preprocess)),
        selection_(select_clips(data_, c.data, stage.config.run.split)),
        run_(stage, finetune_folder(stage.config), c, finetune_identity(stage.config), "finetune"),
        pretrained_on_(std::move(pretrained_on)) {
    if (data_.class_names().empty()) {
      throw InputError("the shards of " + data_.folders().front() +
                       " name no classes: set preprocess.data.class_names or class_map and preprocess again");
    }
    if (c.labels.source == "pseudo") {
      const std::string predictions = teacher_predictions_file(stage.config);
      apply_pseudo_labels(data_,
                          choose_pseudo_labels(c.labels, predictions, data_.class_names(), run_.folder(),
                                               stage.mpi.is_root()),
                          predictions, selection_);
    }
    keep_labelled(selection_);
    sampler_ = std::make_unique<DistributedSampler>(selection_.clips, c.optim.global_batch, stage.mpi.rank(),
                                                    stage.mpi.size(), static_cast<uint64_t>(c.seed));
    const int64_t steps_per_epoch = sampler_->steps_per_epoch();
    const auto warmup = static_cast<int64_t>(std::llround(c.optim.warmup_epochs * steps_per_epoch));
    lr_factor_ = cosine_schedule(1.0, c.optim.min_lr_fraction, c.optim.epochs, steps_per_epoch, warmup);
    run_.total_steps = static_cast<int64_t>(lr_factor_.size());
    run_.end_step = c.optim.max_steps > 0 ? std::min(c.optim.max_steps, run_.total_steps) : run_.total_steps;

    built_ = build_video_classifier(stage.config, data_.class_names(), finetune_adapter_file(stage.config), c.seed);
    model_ = built_.model;
    if (!c.train_backbone) {
      for (auto& p : model_->backbone()->parameters()) p.set_requires_grad(false);
    }
    model_->to(device_);
    reducer_ = make_gradient_reducer(device_);
    optimizer_ = make_adamw(*model_, learning_rates(1.0), c.optim, [this](const std::string& name) -> size_t {
      if (is_text_encoder_parameter(name)) return 2;
      return built_.pretrained.count(name) ? 0 : 1;
    });
    averager_ = std::make_unique<GradientAverager>(trainable_parameters(*model_), *reducer_, stage.mpi.size(),
                                                   c_.overlap_allreduce);
  }

  int run() { return run_training_loop(run_, *this); }

  void restore(torch::serialize::InputArchive& archive) override;
  void save(torch::serialize::OutputArchive& archive) override;
  std::unique_ptr<BatchLoader> start(int64_t first_step, int64_t end_step) override;
  double train_step(const Batch& batch) override;
  nlohmann::ordered_json metrics_line(const LogWindow& window) override;
  std::string progress_text(const nlohmann::ordered_json& line) const override;
  void export_result() override;
  std::vector<CurvePlot> curves() const override {
    return {{"loss.png", {"loss"}, c_.loss == "cross_entropy" ? "cross-entropy" : "ActionCLIP KL loss"},
            {"accuracy.png", {"train_top1"}, "train top-1 (%)"}};
  }
  std::string activity() const override { return "fine-tuning"; }

 private:
  bool trains_backbone_from_scratch() const {
    return c_.train_backbone && stage_.config.pretrain.backbone.weights.empty();
  }
  // The learning rate of each parameter set (pretrained, new, text encoder when trained) at `factor` of its peak.
  std::vector<double> learning_rates(double factor) const {
    std::vector<double> lrs = {c_.optim.lr_pretrained * factor, c_.optim.lr_new * factor};
    if (model_->trains_text_encoder()) lrs.push_back(c_.optim.lr_text * factor);
    return lrs;
  }
  torch::Tensor class_scores_and_loss(const torch::Tensor& clips, const torch::Tensor& labels, torch::Tensor& loss);

  const StageContext& stage_;
  const config::FinetuneConfig& c_;
  torch::Device device_;
  bool bf16_;  // forward passes under bfloat16 autocast (finetune.precision)
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
  std::optional<std::vector<std::string>> pretrained_on_;
  int64_t correct_ = 0;  // this rank's right top-1 answers since the last metrics line
};

void FinetuneTask::restore(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive model, optimizer;
  archive.read("model", model);
  archive.read("optimizer", optimizer);
  model_->load(model);
  optimizer_->load(optimizer);
}

void FinetuneTask::save(torch::serialize::OutputArchive& archive) {
  torch::serialize::OutputArchive model, optimizer;
  model_->save(model);
  optimizer_->save(optimizer);
  archive.write("model", model);
  archive.write("optimizer", optimizer);
}

std::unique_ptr<BatchLoader> FinetuneTask::start(int64_t first_step, int64_t end_step) {
  if (stage_.mpi.is_root()) {
    const std::string adapter = finetune_adapter_file(stage_.config);
    spdlog::info("fine-tuning on {} ({}): {} labelled clips ({} classes) of {} in {} folder(s){}, {} rank(s) x {} "
                 "clips, {} steps/epoch, steps {}..{} of {}",
                 device_.str(), bf16_ ? "bfloat16" : "float32", selection_.clips.size(), data_.class_names().size(), data_.size(),
                 data_.folders().size(),
                 selection_.listed_not_found > 0
                     ? " (" + std::to_string(selection_.listed_not_found) + " listed videos not in the shards)"
                     : "",
                 stage_.mpi.size(), sampler_->local_batch(), sampler_->steps_per_epoch(), first_step, end_step,
                 run_.total_steps);
    const std::string text =
        model_->trains_text_encoder() ? fmt::format(" (text encoder trained at lr {})", c_.optim.lr_text) : "";
    spdlog::info("head {}{}, loss {}, adapter {}, backbone {}; {} pretrained parameter tensors at lr {}, the rest "
                 "at lr {}",
                 c_.head.kind, text, c_.loss, adapter.empty() ? "fresh" : adapter,
                 c_.train_backbone ? "trained" : "frozen", built_.pretrained.size(), c_.optim.lr_pretrained,
                 c_.optim.lr_new);
    if (c_.augment.kind != "none") {
      std::string scales;
      for (double scale : c_.augment.scales) scales += (scales.empty() ? "" : "/") + fmt::format("{}", scale);
      spdlog::info("training augmentation {}: crops of scales {} (max_distort {}), flip p {}, colour jitter p {} "
                   "(brightness {}, contrast {}, saturation {}, hue {}), grayscale p {}; one draw per clip",
                   c_.augment.kind, scales, c_.augment.max_distort, c_.augment.flip,
                   c_.augment.color_jitter, c_.augment.brightness, c_.augment.contrast, c_.augment.saturation,
                   c_.augment.hue, c_.augment.grayscale);
    }
  }
  // The training transform (finetune.augment); the evaluation's views stay un-augmented.
  ViewSettings views = view_settings(stage_.config.pretrain.views, c_.input);
  views.augment = augment_settings(c_.augment);
  return std::make_unique<BatchLoader>(data_, *sampler_, views, static_cast<uint64_t>(c_.seed), first_step, end_step,
                                       c_.loader.workers, c_.loader.prefetch, selection_.labels);
}

double FinetuneTask::train_step(const Batch& batch) {
  const int64_t epoch = run_.step / sampler_->steps_per_epoch();
  const double factor = lr_factor_[static_cast<size_t>(run_.step)];
  set_learning_rate_and_decay(*optimizer_, learning_rates(factor), c_.optim.weight_decay,
                              c_.optim.decay_all_parameters);
  model_->train();
  // BatchNorm statistics stay as pretrained; a backbone trained from scratch has none yet, so
  // there they follow the batches (without, R(2+1)D from scratch sits at chance for hundreds of steps).
  if (!trains_backbone_from_scratch()) model_->backbone()->eval();
  const torch::Tensor clips = batch_clips_to_device(batch, device_);
  const torch::Tensor labels = torch::tensor(std::vector<int64_t>(batch.labels.begin(), batch.labels.end()),
                                             torch::kLong).to(device_);
  torch::Tensor loss;
  const torch::Tensor logits = class_scores_and_loss(clips, labels, loss);
  const double local_loss = loss.item<double>();
  run_.check_finite(local_loss, epoch);
  optimizer_->zero_grad();
  // The KL loss is the global batch's on every rank, with gradients through this rank's
  // rows only: times the rank count, the averaged gradient is the global one (batch_gather.h).
  (c_.loss == "actionclip_kl" ? loss * stage_.mpi.size() : loss).backward();
  averager_->average();
  if (c_.optim.clip_grad > 0) clip_gradients_per_parameter(trainable_parameters(*model_), c_.optim.clip_grad);
  optimizer_->step();
  correct_ += logits.argmax(1).eq(labels).sum().item<int64_t>();
  return allreduce_mean(local_loss);
}

// Class scores [B, C] of the batch and its loss (finetune.loss). With a
// trained text encoder each class is matched through one template drawn for
// this step (the same on every rank), as ActionCLIP draws one per text.
torch::Tensor FinetuneTask::class_scores_and_loss(const torch::Tensor& clips, const torch::Tensor& labels,
                                                  torch::Tensor& loss) {
  torch::Tensor logits;
  {
    MixedPrecision autocast(device_, bf16_);
    if (model_->trains_text_encoder()) {
      std::vector<int64_t> templates;
      std::mt19937_64 rng(mix_seed({static_cast<uint64_t>(c_.seed), static_cast<uint64_t>(run_.step), 0x7e47u}));
      for (int64_t k = 0; k < model_->num_classes(); ++k) {
        templates.push_back(static_cast<int64_t>(random_below(rng, static_cast<uint64_t>(model_->num_templates()))));
      }
      logits = model_->match_text(model_->video_embedding(clips), model_->step_class_embeddings(templates));
    } else {
      logits = model_->forward(clips);
    }
  }
  logits = logits.to(torch::kFloat);  // the loss in float32
  if (c_.loss == "actionclip_kl") {
    // Every clip of the global batch against every other, as one process with the whole batch.
    const int rank = stage_.mpi.rank(), ranks = stage_.mpi.size();
    const torch::Tensor all_logits = gather_batch_rows(logits, *reducer_, rank, ranks);
    const torch::Tensor all_labels =
        gather_batch_rows(labels.to(torch::kFloat).unsqueeze(1), *reducer_, rank, ranks).squeeze(1).to(torch::kLong);
    loss = actionclip_kl_loss(all_logits.index_select(1, all_labels), all_labels);  // column j: clip j's class text
  } else {
    loss = torch::nn::functional::cross_entropy(
        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(c_.optim.label_smoothing));
  }
  return logits;
}

nlohmann::ordered_json FinetuneTask::metrics_line(const LogWindow& window) {
  const double clips = static_cast<double>(window.steps * c_.optim.global_batch);
  const double accuracy = 100.0 * static_cast<double>(allreduce_sum(correct_)) / clips;
  correct_ = 0;
  const size_t last = static_cast<size_t>(run_.step - 1);
  nlohmann::ordered_json line = {
      {"step", run_.step},
      {"epoch", (run_.step - 1) / sampler_->steps_per_epoch()},
      {"loss", window.mean_loss()},
      {"train_top1", accuracy},
      {"lr_pretrained", c_.optim.lr_pretrained * lr_factor_[last]},
      {"lr_new", c_.optim.lr_new * lr_factor_[last]},
      {"clips_per_s", window.seconds > 0 ? clips / window.seconds : 0.0},
      {"data_wait_fraction", window.seconds > 0 ? window.data_wait / window.seconds : 0.0},
  };
  return line;
}

std::string FinetuneTask::progress_text(const nlohmann::ordered_json& line) const {
  return fmt::format("epoch {} loss {:.5f} train top-1 {:.1f}% lr {:.3g}/{:.3g} {:.2f} clips/s",
                     line["epoch"].get<int64_t>(), line["loss"].get<double>(), line["train_top1"].get<double>(),
                     line["lr_pretrained"].get<double>(), line["lr_new"].get<double>(),
                     line["clips_per_s"].get<double>());
}

void FinetuneTask::export_result() {
  model_->refresh_class_embeddings();  // a trained text encoder's classes, as evaluation uses them
  const std::string path = run_.export_file("model.pt", [&](auto& archive) {
    write_trained_classifier(archive, model_, data_.class_names());
    if (pretrained_on_) write_pretraining_video_ids(archive, *pretrained_on_);
  });
  if (stage_.mpi.is_root()) spdlog::info("fine-tuned model written to {}", path);
}

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
  if (c.labels.source == "pseudo" && !fs::is_regular_file(teacher_predictions_file(stage.config))) {
    fail("finetune.labels.predictions", "'" + teacher_predictions_file(stage.config) + "' does not exist (dap-evaluate's predict task "
                                        "writes predictions.h5)");
  }
}

// The clip ids the adapter was pretrained on (none for a fresh one), after
// refusing an adapter that has seen a test clip of run.split.
std::optional<std::vector<std::string>> pretraining_clips_checked(const config::ExperimentConfig& config) {
  const std::string adapter = finetune_adapter_file(config);
  if (adapter.empty()) return std::nullopt;
  auto pretrained_on = read_pretraining_video_ids(adapter);
  if (pretrained_on) {
    refuse_test_clips_in_pretraining(*pretrained_on, test_clip_ids(config), config.run.split, adapter,
                                     "finetune.init_adapter");
  }
  return pretrained_on;
}

}  // namespace

int run_finetune(const StageContext& stage) {
  const config::FinetuneConfig& c = stage.config.finetune;
  check_finetune_config(stage);
  auto pretrained_on = pretraining_clips_checked(stage.config);
  return run_training_stage(stage, c.threads,
                            [&] { return FinetuneTask(stage, c, std::move(pretrained_on)).run(); });
}

}  // namespace dap
