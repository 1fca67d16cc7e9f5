#include "core/train/pretrain_job.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include <torch/torch.h>

#include "core/blas_threads.h"
#include "core/config/config_binding.h"
#include "core/data/batch_loader.h"
#include "core/data/preprocessed_folder.h"
#include "core/error.h"
#include "core/eval/plots.h"
#include "core/io/png_image.h"
#include "core/log.h"
#include "core/metrics_log.h"
#include "core/models/sci_enhancer.h"
#include "core/stop_signal.h"
#include "core/train/dino_loss.h"
#include "core/train/distillation_network.h"
#include "core/train/gradient_averager.h"
#include "core/train/schedules.h"
#include "core/train/train_checkpoint.h"
#include "core/train/training_setup.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kTeacherViews = 3;  // o, e, m
constexpr int64_t kStudentViews = 4;  // o, e, m, l

ViewSettings view_settings(const config::ViewsConfig& c) {
  ViewSettings s;
  s.num_frames = c.num_frames;
  s.size = c.size;
  s.local_size = c.local_size;
  s.local_scale_min = c.local_scale_min;
  s.local_scale_max = c.local_scale_max;
  s.patch_size = c.patch_size;
  s.mask_per_frame = c.mask_per_frame;
  s.jitter = c.jitter;
  for (int i = 0; i < 3; ++i) {
    s.mean[i] = static_cast<float>(c.mean[i]);
    s.std[i] = static_cast<float>(c.std[i]);
  }
  return s;
}

// What a checkpoint must agree on to be resumed: everything that shapes the
// model or the trajectory, but not how long to run, logging or resources.
std::string training_identity(config::PretrainConfig c) {
  c.optim.max_steps = 0;
  c.loader = {};
  c.checkpoint = {};
  c.log_every_steps = 1;
  c.threads = {};
  c.device = "auto";
  c.data.shards = {};
  return config::config_to_lua(c);
}

// Settings that must agree with each other and with the backbone, checked
// before anything is built so that every rank exits with a config error that
// names the key (instead of a shape error deep inside a forward pass).
void check_pretrain_shapes(const config::ConfigTree& tree, const config::PretrainConfig& c, int world) {
  const auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(config::format_config_error(tree.origin_of("pretrain." + key), "pretrain." + key, what));
  };
  const bool vit = c.backbone.kind == "clip_vit";
  const int64_t layers = c.backbone.feature_layers();
  const int64_t frames = c.backbone.last_layer_frames(c.views.num_frames);
  if (c.adapter.num_frames != frames) {
    fail("adapter.num_frames", "must be " + std::to_string(frames) + ": the backbone's last layer has that many " +
                                   "time steps for views.num_frames = " + std::to_string(c.views.num_frames));
  }
  if (c.adapter.num_layers > layers) {
    fail("adapter.num_layers", "the backbone has only " + std::to_string(layers) + " layers");
  }
  if (c.adapter.input_widths.empty() && (!vit || c.backbone.clip.width != c.adapter.width)) {
    fail("adapter.input_widths", vit ? "must be set when adapter.width differs from backbone.clip.width"
                                     : "must list the R(2+1)D stage widths (backbone.r2plus1d.widths)");
  }
  if (vit && c.views.size % c.backbone.clip.patch_size != 0) {
    fail("views.size", "must be a multiple of backbone.clip.patch_size");
  }
  if (c.optim.global_batch % world != 0) {
    fail("optim.global_batch", "must be divisible by the number of ranks (" + std::to_string(world) + ")");
  }
}

// The step's wall time split into phases (seconds), summed over logged steps.
struct PhaseTimes {
  double data_wait = 0, backbone = 0, adapter = 0, allreduce = 0, update = 0, total = 0;
};

class PretrainRun {
 public:
  PretrainRun(const StageContext& stage, const config::PretrainConfig& c)
      : stage_(stage),
        c_(c),
        folder_(pretrain_run_folder(stage.config)),
        device_(training_device(c.device, stage.mpi)),
        data_(resolve_shard_folders(stage.config)),
        sampler_(data_.size(), c.optim.global_batch, stage.mpi.rank(), stage.mpi.size(),
                 static_cast<uint64_t>(c.seed)),
        schedules_(make_schedules(c, sampler_.steps_per_epoch())),
        reducer_(make_gradient_reducer(device_)),
        loss_(c.head.out_dim, c.distillation.student_temp, c.distillation.center_momentum, reducer_.get(),
              stage.mpi.size()),
        identity_(training_identity(c)) {
    torch::manual_seed(static_cast<uint64_t>(c.seed));
    backbone_ = build_video_backbone(c.backbone);
    student_ = DistillationNetwork(c, backbone_);
    teacher_ = DistillationNetwork(c, backbone_);
    copy_module_state(*student_, *teacher_);
    for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
    if (!c.backbone.train_encoder) {
      for (auto& p : backbone_->parameters()) p.set_requires_grad(false);
    }
    backbone_->to(device_);
    student_->to(device_);
    teacher_->to(device_);
    optimizer_ = make_adamw(*student_, c.optim.lr, c.optim.weight_decay);
    averager_ = std::make_unique<GradientAverager>(trainable_parameters(*student_), *reducer_, stage.mpi.size());
    end_step_ = c.optim.max_steps > 0 ? std::min(c.optim.max_steps, schedules_.total_steps())
                                      : schedules_.total_steps();
  }

  int run();

 private:
  void restore_or_start();
  double train_step(const Batch& batch, PhaseTimes& times);
  void save_checkpoint();
  void export_adapter();
  void plot_loss_curve() const;
  std::string checkpoint_folder() const { return (fs::path(folder_) / "checkpoints").string(); }
  void log_metrics(const PhaseTimes& times, int64_t steps, double loss);
  void sync() const {
    if (device_.is_cuda()) torch::cuda::synchronize();
  }

  const StageContext& stage_;
  const config::PretrainConfig& c_;
  std::string folder_;
  torch::Device device_;
  ShardDataset data_;
  DistributedSampler sampler_;
  StepSchedules schedules_;
  std::unique_ptr<SumAllReduce> reducer_;
  DinoLoss loss_;
  std::string identity_;  // settings a checkpoint must share to be resumed
  VideoBackbone backbone_{nullptr};
  DistillationNetwork student_{nullptr}, teacher_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<GradientAverager> averager_;
  std::unique_ptr<MetricsLog> metrics_;
  int64_t step_ = 0;  // finished steps
  int64_t end_step_ = 0;
  std::string last_checkpoint_ = "none";
};

void PretrainRun::restore_or_start() {
  const auto newest = newest_checkpoint(checkpoint_folder());
  if (newest && !c_.checkpoint.resume) {
    if (stage_.mpi.is_root()) {
      spdlog::warn("pretrain.checkpoint.resume = false: removing the checkpoints in {}", checkpoint_folder());
      remove_checkpoints(checkpoint_folder());
    }
  } else if (newest) {
    torch::serialize::InputArchive archive;
    archive.load_from(*newest);
    if (read_text(archive, "identity") != identity_) {
      throw InputError("checkpoint '" + *newest +
                       "' was written with different model or training settings; use another run.name or set "
                       "pretrain.checkpoint.resume=false to start over");
    }
    torch::serialize::InputArchive student, teacher, optimizer;
    archive.read("student", student);
    archive.read("teacher", teacher);
    archive.read("optimizer", optimizer);
    student_->load(student);
    teacher_->load(teacher);
    optimizer_->load(optimizer);
    torch::Tensor center;
    archive.read("center", center);
    loss_.center() = center.to(device_);
    step_ = read_int(archive, "step");
    last_checkpoint_ = *newest;
    if (stage_.mpi.is_root()) spdlog::info("resuming from {} (step {})", *newest, step_);
  }
  barrier();  // nobody reads checkpoints while rank 0 removes them
  if (stage_.mpi.is_root()) {
    fs::create_directories(folder_);
    std::ofstream(fs::path(folder_) / "config.lua") << stage_.resolved_config;
    metrics_ = std::make_unique<MetricsLog>((fs::path(folder_) / "metrics.jsonl").string(), step_);
  }
}

int PretrainRun::run() {
  restore_or_start();
  const bool root = stage_.mpi.is_root();
  if (root) {
    spdlog::info("pretraining on {} ({} clips in {} folder(s)), {} rank(s) x {} clips, {} steps/epoch, steps {}..{} of {}",
                 device_.str(), data_.size(), data_.folders().size(), stage_.mpi.size(), sampler_.local_batch(),
                 sampler_.steps_per_epoch(), step_, end_step_, schedules_.total_steps());
    spdlog::info("gradient all-reduce: {}", reducer_->name());
  }
  install_stop_signal_handlers();
  BatchLoader loader(data_, sampler_, view_settings(c_.views), static_cast<uint64_t>(c_.seed), step_, end_step_,
                     c_.loader.workers, c_.loader.prefetch);
  PhaseTimes times;
  int64_t timed_steps = 0;
  double loss_sum = 0;
  while (step_ < end_step_) {
    const auto wait_start = Clock::now();
    Batch batch = loader.next();
    times.data_wait += std::chrono::duration<double>(Clock::now() - wait_start).count();
    const double loss = train_step(batch, times);  // throws on a non-finite loss
    ++step_;
    ++timed_steps;
    loss_sum += loss;
    // Every rank decides the same: a stop signal on any rank stops all.
    const bool stop = allreduce_sum(int64_t{stop_signal_received() != 0}) > 0;
    if (step_ % c_.log_every_steps == 0 || step_ == end_step_ || stop) {
      if (root) log_metrics(times, timed_steps, loss_sum / timed_steps);
      times = {};
      timed_steps = 0;
      loss_sum = 0;
    }
    if (step_ % c_.checkpoint.every_steps == 0 || step_ == end_step_ || stop) save_checkpoint();
    if (stop) {
      plot_loss_curve();
      if (root) spdlog::warn("stop signal received: checkpoint {} saved at step {}; run again to continue",
                             last_checkpoint_, step_);
      return kExitCheckpointedForRequeue;
    }
  }
  if (step_ >= schedules_.total_steps()) export_adapter();
  plot_loss_curve();
  if (root) spdlog::info("pretraining finished at step {} of {}", step_, schedules_.total_steps());
  return 0;
}

double PretrainRun::train_step(const Batch& batch, PhaseTimes& times) {
  const auto start = Clock::now();
  const int64_t epoch = step_ / sampler_.steps_per_epoch();
  set_learning_rate_and_decay(*optimizer_, schedules_.lr[step_], schedules_.weight_decay[step_]);

  const auto views = batch_views_to_device(batch, device_);
  // Backbone features: computed once per view and shared by student and teacher
  // when the backbone is frozen; the "train encoder" ablation runs each network's own.
  auto t0 = Clock::now();
  std::vector<torch::Tensor> teacher_in, student_in;
  {
    torch::NoGradGuard no_grad;
    VideoBackbone& teacher_backbone = teacher_->owns_backbone() ? teacher_->own_backbone() : backbone_;
    teacher_in = teacher_backbone->layer_features(views.global);
    if (!student_->owns_backbone()) {
      const auto local = backbone_->layer_features(views.local);
      for (size_t i = 0; i < teacher_in.size(); ++i) student_in.push_back(torch::cat({teacher_in[i], local[i]}));
    }
  }
  if (student_->owns_backbone()) {
    const auto global = student_->own_backbone()->layer_features(views.global);
    const auto local = student_->own_backbone()->layer_features(views.local);
    for (size_t i = 0; i < global.size(); ++i) student_in.push_back(torch::cat({global[i], local[i]}));
  }
  sync();
  auto t1 = Clock::now();

  torch::Tensor teacher_scores;
  {
    torch::NoGradGuard no_grad;
    teacher_scores = teacher_->head_scores(teacher_->video_feature(teacher_in));
  }
  const torch::Tensor student_scores = student_->head_scores(student_->video_feature(student_in));
  const torch::Tensor loss = loss_.forward(student_scores, teacher_scores, kStudentViews, kTeacherViews,
                                           schedules_.teacher_temp[epoch]);
  // All ranks learn together whether any loss is not finite, before anything is updated.
  const double local_loss = loss.item<double>();
  const int64_t bad = allreduce_sum(int64_t{!std::isfinite(local_loss)});
  if (bad > 0) {
    throw NonFiniteLossError("non-finite loss at step " + std::to_string(step_ + 1) + " (epoch " +
                             std::to_string(epoch) + ") on " + std::to_string(bad) +
                             " rank(s); last good checkpoint: " + last_checkpoint_);
  }
  optimizer_->zero_grad();
  loss.backward();
  sync();
  auto t2 = Clock::now();

  averager_->average();
  sync();
  auto t3 = Clock::now();

  if (c_.optim.clip_grad > 0) clip_gradients_per_parameter(trainable_parameters(*student_), c_.optim.clip_grad);
  if (epoch < c_.optim.freeze_last_layer_epochs) {
    for (auto& p : student_->last_layer_parameters()) p.mutable_grad() = torch::Tensor();
  }
  optimizer_->step();
  loss_.update_center(teacher_scores);
  ema_update(*teacher_, *student_, schedules_.momentum[step_]);
  sync();
  auto t4 = Clock::now();

  times.backbone += std::chrono::duration<double>(t1 - t0).count();
  times.adapter += std::chrono::duration<double>(t2 - t1).count();
  times.allreduce += std::chrono::duration<double>(t3 - t2).count();
  times.update += std::chrono::duration<double>(t4 - t3).count();
  times.total += std::chrono::duration<double>(t4 - start).count();
  return allreduce_mean(local_loss);
}

void PretrainRun::log_metrics(const PhaseTimes& times, int64_t steps, double loss) {
  const double wall = times.total + times.data_wait;
  const int64_t epoch = (step_ - 1) / sampler_.steps_per_epoch();
  nlohmann::ordered_json line = {
      {"step", step_},
      {"epoch", epoch},
      {"loss", loss},
      {"lr", schedules_.lr[step_ - 1]},
      {"weight_decay", schedules_.weight_decay[step_ - 1]},
      {"momentum", schedules_.momentum[step_ - 1]},
      {"teacher_temp", schedules_.teacher_temp[epoch]},
      {"clips_per_s", wall > 0 ? static_cast<double>(steps * c_.optim.global_batch) / wall : 0.0},
      {"data_wait_fraction", wall > 0 ? times.data_wait / wall : 0.0},
      {"seconds", {{"data_wait", times.data_wait / steps},
                   {"backbone", times.backbone / steps},
                   {"adapter_forward_backward", times.adapter / steps},
                   {"allreduce", times.allreduce / steps},
                   {"update_ema", times.update / steps},
                   {"step", wall / steps}}},
  };
  metrics_->write(line);
  spdlog::info("step {}/{} epoch {} loss {:.5f} lr {:.3g} momentum {:.5f} {:.2f} clips/s data wait {:.0f}%", step_,
               end_step_, epoch, loss, schedules_.lr[step_ - 1], schedules_.momentum[step_ - 1],
               line["clips_per_s"].get<double>(), 100.0 * line["data_wait_fraction"].get<double>());
}

void PretrainRun::save_checkpoint() {
  // Every rank holds the same weights; rank 0 writes, the others wait so that
  // nobody runs ahead of a checkpoint that may be needed to resume.
  if (stage_.mpi.is_root()) {
    last_checkpoint_ = write_checkpoint(checkpoint_folder(), step_, c_.checkpoint.keep, [&](auto& archive) {
      torch::serialize::OutputArchive student, teacher, optimizer;
      student_->save(student);
      teacher_->save(teacher);
      optimizer_->save(optimizer);
      archive.write("student", student);
      archive.write("teacher", teacher);
      archive.write("optimizer", optimizer);
      archive.write("center", loss_.center().cpu());
      write_int(archive, "step", step_);
      write_text(archive, "identity", identity_);
      write_text(archive, "config", stage_.resolved_config);
    });
  }
  last_checkpoint_ = broadcast_string(last_checkpoint_);
}

// loss.png beside metrics.jsonl: the training curve of the whole run so far.
void PretrainRun::plot_loss_curve() const {
  if (!stage_.mpi.is_root()) return;
  const std::string metrics = (fs::path(folder_) / "metrics.jsonl").string();
  Series loss = read_metric_series(metrics, "step", "loss");
  loss.name = "DINO loss";
  LinePlotOptions options;
  options.title = "dap-pretrain " + stage_.config.run.name;
  options.x_label = "step";
  options.y_label = "loss";
  write_png((fs::path(folder_) / "loss.png").string(), plot_lines({loss}, options));
}

void PretrainRun::export_adapter() {
  if (!stage_.mpi.is_root()) return;
  const fs::path path = fs::path(folder_) / "adapter.pt";
  torch::serialize::OutputArchive archive, adapter;
  teacher_->video_adapter()->save(adapter);
  archive.write("adapter", adapter);
  if (teacher_->owns_backbone()) {
    torch::serialize::OutputArchive backbone;
    teacher_->own_backbone()->save(backbone);
    archive.write("backbone", backbone);
  }
  write_text(archive, "config", stage_.resolved_config);
  archive.save_to(path.string() + ".tmp");
  fs::rename(path.string() + ".tmp", path);
  spdlog::info("adapter for fine-tuning written to {}", path.string());
}

}  // namespace

std::string pretrain_run_folder(const config::ExperimentConfig& config) {
  return (fs::path(config.run.root) / config.run.name / "pretrain").string();
}

int run_pretrain(const StageContext& stage) {
  const config::PretrainConfig& c = stage.config.pretrain;
  check_pretrain_shapes(stage.tree, c, stage.mpi.size());
  set_torch_threads(c.threads.intra_op);
  set_openblas_threads(c.threads.openblas);
  torch::globalContext().setDeterministicCuDNN(true);
  try {
    PretrainRun run(stage, c);
    return run.run();
  } catch (const NonFiniteLossError& e) {
    if (stage.mpi.is_root()) spdlog::error("{}", e.what());
    return kExitNonFiniteLoss;
  }
}

}  // namespace dap
