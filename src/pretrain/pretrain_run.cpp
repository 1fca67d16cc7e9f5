#include "pretrain/pretrain_run.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include <torch/torch.h>

#include "core/base/error.h"
#include "core/base/log.h"
#include "core/config/config_binding.h"
#include "core/data/batch_loader.h"
#include "core/data/clip_selection.h"
#include "core/models/adapter_file.h"
#include "core/run/run_layout.h"
#include "core/train/gradient_averager.h"
#include "core/train/mixed_precision.h"
#include "core/train/training_loop.h"
#include "core/train/training_setup.h"
#include "pretrain/dino_loss.h"
#include "pretrain/distillation_network.h"
#include "pretrain/feature_cache.h"
#include "pretrain/pretrain_schedules.h"

namespace fs = std::filesystem;

namespace dap {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kTeacherViews = 3;  // o, e, m
constexpr int64_t kStudentViews = 4;  // o, e, m, l

// What a checkpoint must agree on to be resumed: everything that shapes the
// model or the trajectory (config/training_config.h). The feature cache changes
// how, not what, is computed: a run may resume with it on or off.
std::string training_identity(const config::PretrainConfig& c) {
  config::PretrainConfig identity = without_run_settings(c);
  identity.feature_cache = false;
  identity.feature_cache_dtype = "float32";
  return config::config_to_lua(identity);
}

// Settings that must agree with each other and with the backbone, checked
// before anything is built so that every rank exits with a config error that
// names the key (instead of a shape error deep inside a forward pass).
void check_pretrain_shapes(const config::ConfigTree& tree, const config::PretrainConfig& c, int world) {
  const auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(config::format_config_error(tree.origin_of("pretrain." + key), "pretrain." + key, what));
  };
  const bool transformer = c.backbone.is_transformer();
  const int64_t layers = c.backbone.feature_layers();
  const int64_t frames = c.backbone.last_layer_frames(c.views.num_frames);
  if (c.adapter.num_frames != frames) {
    fail("adapter.num_frames", "must be " + std::to_string(frames) + ": the backbone's last layer has that many " +
                                   "time steps for views.num_frames = " + std::to_string(c.views.num_frames));
  }
  if (c.adapter.num_layers > layers) {
    fail("adapter.num_layers", "the backbone has only " + std::to_string(layers) + " layers");
  }
  if (c.adapter.input_widths.empty() && (!transformer || c.backbone.token_width() != c.adapter.width)) {
    fail("adapter.input_widths", transformer ? "must be set when adapter.width differs from the backbone's width"
                                             : "must list the R(2+1)D stage widths (backbone.r2plus1d.widths)");
  }
  if (transformer && c.views.size % c.backbone.patch_size() != 0) {
    fail("views.size", "must be a multiple of the backbone's patch size (" +
                           std::to_string(c.backbone.patch_size()) + ")");
  }
  if (c.optim.global_batch % world != 0) {
    fail("optim.global_batch", "must be divisible by the number of ranks (" + std::to_string(world) + ")");
  }
  if (!c.init_adapter.empty() && !fs::is_regular_file(c.init_adapter)) {
    fail("init_adapter", "'" + c.init_adapter + "' does not exist");
  }
}

// The step's compute time split into phases (seconds), summed over the timed
// steps of one metrics line (all of them on the CPU; the last one on a GPU).
struct PhaseTimes {
  int64_t steps = 0;  // steps timed
  double backbone = 0, adapter = 0, allreduce = 0, update = 0;
};

// Cross-domain self-distillation as a TrainingTask: the student and EMA
// teacher over a shared frozen backbone, the DINO loss and its schedules.
class PretrainTask : public TrainingTask {
 public:
  PretrainTask(const StageContext& stage, const config::PretrainConfig& c)
      : stage_(stage),
        c_(c),
        device_(training_device(c.device, stage.mpi)),
        bf16_(uses_bf16(c.precision, device_)),
        data_(clip_set_folders(c.data, stage.config.preprocess)),
        clips_(select_clips(data_, c.data, stage.config.run.split).clips),
        sampler_(clips_, c.optim.global_batch, stage.mpi.rank(), stage.mpi.size(),
                 static_cast<uint64_t>(c.seed)),
        schedules_(make_schedules(c, sampler_.steps_per_epoch())),
        reducer_(make_gradient_reducer(device_)),
        loss_(c.head.out_dim, c.distillation.student_temp, c.distillation.center_momentum, reducer_.get(),
              stage.mpi.size()),
        run_(stage, pretrain_folder(stage.config), c, training_identity(c), "pretrain") {
    torch::manual_seed(static_cast<uint64_t>(c.seed));
    backbone_ = build_video_backbone(c.backbone);
    student_ = DistillationNetwork(c, backbone_);
    if (!c.init_adapter.empty()) {
      load_adapter_weights(student_->video_adapter(), c.init_adapter, "pretrain.init_adapter");
    }
    teacher_ = DistillationNetwork(c, backbone_);
    copy_module_state(*student_, *teacher_);
    for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
    if (!c.backbone.train_encoder) {
      for (auto& p : backbone_->parameters()) p.set_requires_grad(false);
    }
    backbone_->to(device_);
    student_->to(device_);
    teacher_->to(device_);
    if (c.feature_cache) start_feature_cache();
    optimizer_ = make_adamw(*student_, c.optim.lr, c.optim);
    averager_ = std::make_unique<GradientAverager>(trainable_parameters(*student_), *reducer_, stage.mpi.size(),
                                                   c.overlap_allreduce);
    run_.total_steps = schedules_.total_steps();
    run_.end_step = c.optim.max_steps > 0 ? std::min(c.optim.max_steps, run_.total_steps) : run_.total_steps;
  }

  int run() { return run_training_loop(run_, *this); }

  void restore(torch::serialize::InputArchive& archive) override;
  void save(torch::serialize::OutputArchive& archive) override;
  std::unique_ptr<BatchLoader> start(int64_t first_step, int64_t end_step) override;
  double train_step(const Batch& batch) override;
  nlohmann::ordered_json metrics_line(const LogWindow& window) override;
  std::string progress_text(const nlohmann::ordered_json& line) const override;
  void export_result() override;
  std::vector<CurvePlot> curves() const override { return {{"loss.png", {"loss"}, "DINO loss"}}; }
  std::string activity() const override { return "pretraining"; }

 private:
  // Phase times are taken on every step on the CPU, but on a GPU only on the last
  // step of each log window: there each phase boundary must wait for the device,
  // and a wait per phase on every step would serialise the step.
  bool timed_step() const {
    return !device_.is_cuda() || (run_.step + 1) % run_.log_every_steps() == 0 || run_.step + 1 == run_.end_step;
  }
  void sync(bool timed) const {
    if (timed && device_.is_cuda()) torch::cuda::synchronize();
  }
  void start_feature_cache();
  // The teacher's input: the backbone's layer features of the views o, e and m
  // ([3B, T, D] per layer), with o and e from the feature cache when there is one
  // (read into the batch by the loader's workers).
  std::vector<torch::Tensor> global_features(const Batch& batch, const DeviceViews& views, bool embedding);

  const StageContext& stage_;
  const config::PretrainConfig& c_;
  torch::Device device_;
  bool bf16_;  // forward passes under bfloat16 autocast (pretrain.precision)
  ShardDataset data_;
  std::vector<int64_t> clips_;  // the clips trained on (all, or those of pretrain.data.ids)
  DistributedSampler sampler_;
  StepSchedules schedules_;
  std::unique_ptr<SumAllReduce> reducer_;
  DinoLoss loss_;
  CheckpointedRun run_;
  VideoBackbone backbone_{nullptr};
  DistillationNetwork student_{nullptr}, teacher_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<GradientAverager> averager_;
  std::unique_ptr<FeatureCache> cache_;  // pretrain.feature_cache
  PhaseTimes times_;  // since the last metrics line
};

void PretrainTask::start_feature_cache() {
  const auto started = Clock::now();
  cache_ = std::make_unique<FeatureCache>(data_, c_, backbone_, device_, stage_.mpi.rank(), stage_.mpi.size());
  const FeatureCacheReport& r = cache_->report();
  if (stage_.mpi.is_root()) {
    spdlog::info("feature cache {} (beside the shards, features/{}/): {} of {} shard file(s) built in {:.1f} s, "
                 "{:.1f} MiB in all; o and e views read from it",
                 r.key, r.key, r.built, r.shards, std::chrono::duration<double>(Clock::now() - started).count(),
                 static_cast<double>(r.bytes) / (1 << 20));
  }
}

std::vector<torch::Tensor> PretrainTask::global_features(const Batch& batch, const DeviceViews& views,
                                                         bool embedding) {
  torch::NoGradGuard no_grad;
  VideoBackbone& backbone = teacher_->owns_backbone() ? teacher_->own_backbone() : backbone_;
  if (!cache_) return backbone->layer_features(views.global, embedding);
  const int64_t clips = batch.batch_size;
  const auto mixed = backbone->layer_features(views.global.narrow(0, 2 * clips, clips), embedding);
  const auto original = cache_->layer_features(batch, false), enhanced = cache_->layer_features(batch, true);
  std::vector<torch::Tensor> features;
  for (size_t i = 0; i < mixed.size(); ++i) {
    const auto options = torch::TensorOptions().device(device_).dtype(mixed[i].scalar_type());
    features.push_back(torch::cat({original[i].to(options), enhanced[i].to(options), mixed[i]}));
  }
  return features;
}

void PretrainTask::restore(torch::serialize::InputArchive& archive) {
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
}

void PretrainTask::save(torch::serialize::OutputArchive& archive) {
  torch::serialize::OutputArchive student, teacher, optimizer;
  student_->save(student);
  teacher_->save(teacher);
  optimizer_->save(optimizer);
  archive.write("student", student);
  archive.write("teacher", teacher);
  archive.write("optimizer", optimizer);
  archive.write("center", loss_.center().cpu());
}

std::unique_ptr<BatchLoader> PretrainTask::start(int64_t first_step, int64_t end_step) {
  if (stage_.mpi.is_root()) {
    spdlog::info("pretraining on {} ({} of {} clips in {} folder(s)), {} rank(s) x {} clips, {} steps/epoch, "
                 "steps {}..{} of {}",
                 device_.str(), clips_.size(), data_.size(), data_.folders().size(), stage_.mpi.size(),
                 sampler_.local_batch(), sampler_.steps_per_epoch(), first_step, end_step,
                 schedules_.total_steps());
    spdlog::info("gradient all-reduce: {}; forward passes in {}", reducer_->name(), bf16_ ? "bfloat16" : "float32");
    spdlog::info("adaptation block: {}", c_.init_adapter.empty() ? "fresh" : "initialised from " + c_.init_adapter);
  }
  // With the feature cache, the workers read o and e's features into each batch too.
  return std::make_unique<BatchLoader>(data_, sampler_, view_settings(c_.views), static_cast<uint64_t>(c_.seed),
                                       first_step, end_step, c_.loader.workers, c_.loader.prefetch,
                                       std::vector<int32_t>{}, cache_.get());
}

double PretrainTask::train_step(const Batch& batch) {
  const int64_t epoch = run_.step / sampler_.steps_per_epoch();
  set_learning_rate_and_decay(*optimizer_, schedules_.lr[run_.step], schedules_.weight_decay[run_.step]);

  const auto views = batch_views_to_device(batch, device_);
  const bool timed = timed_step();
  // Backbone features: computed once per view and shared by student and teacher
  // when the backbone is frozen; the "train encoder" ablation runs each network's own.
  auto t0 = Clock::now(), t1 = t0;
  const bool embedding = c_.adapter.reads_embedding();
  std::vector<torch::Tensor> teacher_in, student_in;
  torch::Tensor teacher_scores, student_scores;
  {
    MixedPrecision autocast(device_, bf16_);
    teacher_in = global_features(batch, views, embedding);
    {
      torch::NoGradGuard no_grad;
      if (!student_->owns_backbone()) {
        const auto local = backbone_->layer_features(views.local, embedding);
        for (size_t i = 0; i < teacher_in.size(); ++i) student_in.push_back(torch::cat({teacher_in[i], local[i]}));
      }
    }
    if (student_->owns_backbone()) {
      const auto global = student_->own_backbone()->layer_features(views.global, embedding);
      const auto local = student_->own_backbone()->layer_features(views.local, embedding);
      for (size_t i = 0; i < global.size(); ++i) student_in.push_back(torch::cat({global[i], local[i]}));
    }
    sync(timed);
    t1 = Clock::now();
    {
      torch::NoGradGuard no_grad;
      teacher_scores = teacher_->head_scores(teacher_->video_feature(teacher_in)).to(torch::kFloat);
    }
    student_scores = student_->head_scores(student_->video_feature(student_in)).to(torch::kFloat);
  }
  // The loss and everything after it in float32.
  const torch::Tensor loss = loss_.forward(student_scores, teacher_scores, kStudentViews, kTeacherViews,
                                           schedules_.teacher_temp[epoch]);
  // All ranks learn together whether any loss is not finite, before anything is updated.
  const double local_loss = loss.item<double>();
  run_.check_finite(local_loss, epoch);
  optimizer_->zero_grad();
  loss.backward();
  sync(timed);
  auto t2 = Clock::now();

  averager_->average();
  sync(timed);
  auto t3 = Clock::now();

  if (c_.optim.clip_grad > 0) clip_gradients_per_parameter(trainable_parameters(*student_), c_.optim.clip_grad);
  if (epoch < c_.optim.freeze_last_layer_epochs) {
    for (auto& p : student_->last_layer_parameters()) p.mutable_grad() = torch::Tensor();
  }
  optimizer_->step();
  loss_.update_center(teacher_scores);
  ema_update(*teacher_, *student_, schedules_.momentum[run_.step]);
  sync(timed);
  auto t4 = Clock::now();

  if (!timed) return allreduce_mean(local_loss);
  ++times_.steps;
  times_.backbone += std::chrono::duration<double>(t1 - t0).count();
  times_.adapter += std::chrono::duration<double>(t2 - t1).count();
  times_.allreduce += std::chrono::duration<double>(t3 - t2).count();
  times_.update += std::chrono::duration<double>(t4 - t3).count();
  return allreduce_mean(local_loss);
}

nlohmann::ordered_json PretrainTask::metrics_line(const LogWindow& window) {
  const double steps = static_cast<double>(window.steps);
  const double timed = static_cast<double>(std::max<int64_t>(times_.steps, 1));
  const double wall = window.seconds;
  const int64_t last = run_.step - 1;
  const int64_t epoch = last / sampler_.steps_per_epoch();
  nlohmann::ordered_json line = {
      {"step", run_.step},
      {"epoch", epoch},
      {"loss", window.mean_loss()},
      {"lr", schedules_.lr[last]},
      {"weight_decay", schedules_.weight_decay[last]},
      {"momentum", schedules_.momentum[last]},
      {"teacher_temp", schedules_.teacher_temp[epoch]},
      {"clips_per_s", wall > 0 ? steps * static_cast<double>(c_.optim.global_batch) / wall : 0.0},
      {"data_wait_fraction", wall > 0 ? window.data_wait / wall : 0.0},
      {"seconds", {{"data_wait", window.data_wait / steps},
                   {"backbone", times_.backbone / timed},
                   {"adapter_forward_backward", times_.adapter / timed},
                   {"allreduce", times_.allreduce / timed},
                   {"update_ema", times_.update / timed},
                   {"step", wall / steps}}},
  };
  times_ = {};
  return line;
}

std::string PretrainTask::progress_text(const nlohmann::ordered_json& line) const {
  return fmt::format("epoch {} loss {:.5f} lr {:.3g} momentum {:.5f} {:.2f} clips/s data wait {:.0f}%",
                     line["epoch"].get<int64_t>(), line["loss"].get<double>(), line["lr"].get<double>(),
                     line["momentum"].get<double>(), line["clips_per_s"].get<double>(),
                     100.0 * line["data_wait_fraction"].get<double>());
}

void PretrainTask::export_result() {
  const std::string path = run_.export_file("adapter.pt", [&](auto& archive) {
    torch::serialize::OutputArchive adapter;
    teacher_->video_adapter()->save(adapter);
    archive.write("adapter", adapter);
    // Which clips it has seen, so that no split's test clips are among them (adapter_file.h).
    std::vector<std::string> ids;
    for (int64_t clip : clips_) ids.push_back(data_.record(clip).id);
    write_pretraining_video_ids(archive, ids);
    if (teacher_->owns_backbone()) {
      torch::serialize::OutputArchive backbone;
      teacher_->own_backbone()->save(backbone);
      archive.write("backbone", backbone);
    }
  });
  if (stage_.mpi.is_root()) spdlog::info("adapter for fine-tuning written to {}", path);
}

}  // namespace

int run_pretrain(const StageContext& stage) {
  const config::PretrainConfig& c = stage.config.pretrain;
  check_pretrain_shapes(stage.tree, c, stage.mpi.size());
  return run_training_stage(stage, c.threads, [&] { return PretrainTask(stage, c).run(); });
}

}  // namespace dap
