// The self-distillation pieces of dap-pretrain against an independent
// python3-torch reference written from DINO's algorithm
// (tests/python/ref_dino_training.py): loss with centring over the views,
// centre update, cosine schedules, per-parameter clipping, AdamW with DINO's
// parameter groups and per-step lr / weight decay, the EMA teacher; plus the
// gradient averager on one rank and the checkpoint files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/dist/mpi_context.h"
#include "core/models/torch_checkpoint.h"
#include "core/train/gradient_averager.h"
#include "core/train/schedules.h"
#include "core/train/train_checkpoint.h"
#include "core/train/training_setup.h"
#include "pretrain/dino_loss.h"
#include "pretrain/distillation_network.h"
#include "pretrain/pretrain_schedules.h"
#include "support/python_reference.h"
#include "support/test_paths.h"

namespace dap {
namespace {

inline constexpr char kDinoScript[] = "ref_dino_training.py";
class DinoReference : public testing::PythonReference<kDinoScript> {};

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double tolerance, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const double difference = (got.to(torch::kDouble) - want.to(torch::kDouble)).abs().max().item<double>();
  EXPECT_LE(difference, tolerance * std::max(1.0, want.abs().max().item<double>())) << what;
}

TEST_F(DinoReference, LossOverViewPairsAndCentre) {
  DinoLoss loss(7, /*student_temp=*/0.1, /*center_momentum=*/0.9, /*reducer=*/nullptr, /*world=*/1);
  loss.center().copy_(in("center"));
  const torch::Tensor value = loss.forward(in("student"), in("teacher"), 4, 3, /*teacher_temp=*/0.04);
  expect_close(value.reshape({1}), want("loss"), 1e-6, "loss");
  loss.update_center(in("teacher"));
  expect_close(loss.center(), want("center"), 1e-6, "centre");
}

TEST(DinoLossViews, SameViewPairsAreSkipped) {
  // One teacher view, two student views: only the pair (teacher 0, student 1)
  // counts, so the student's view 0 must not change the loss, and view 1 must.
  torch::manual_seed(3);
  DinoLoss loss(5, 0.1, 0.9, nullptr, 1);
  const torch::Tensor teacher = torch::randn({2, 5});
  torch::Tensor student = torch::randn({4, 5});
  const double before = loss.forward(student, teacher, 2, 1, 0.04).item<double>();
  student.narrow(0, 0, 2).mul_(3.0);
  EXPECT_DOUBLE_EQ(loss.forward(student, teacher, 2, 1, 0.04).item<double>(), before);
  student.narrow(0, 2, 2).mul_(3.0);
  EXPECT_NE(loss.forward(student, teacher, 2, 1, 0.04).item<double>(), before);
}

TEST_F(DinoReference, CosineSchedulesMatchDino) {
  const auto lr = cosine_schedule(5e-4, 1e-6, /*epochs=*/5, /*steps_per_epoch=*/3, /*warmup_steps=*/6);
  const auto momentum = cosine_schedule(0.996, 1.0, 5, 3, 0);
  expect_close(torch::tensor(lr, torch::kDouble), want("lr_schedule"), 1e-12, "lr schedule");
  expect_close(torch::tensor(momentum, torch::kDouble), want("momentum_schedule"), 1e-12, "momentum schedule");
}

TEST_F(DinoReference, PerParameterClipping) {
  std::vector<torch::Tensor> params = {torch::zeros({4, 5}).set_requires_grad(true),
                                       torch::zeros({6}).set_requires_grad(true)};
  params[0].mutable_grad() = in("clip_big").clone();
  params[1].mutable_grad() = in("clip_small").clone();
  clip_gradients_per_parameter(params, 3.0);
  expect_close(params[0].grad(), want("clipped_big"), 1e-6, "clipped gradient");
  EXPECT_TRUE(torch::equal(params[1].grad(), want("clipped_small"))) << "a small gradient must stay untouched";
}

TEST_F(DinoReference, AdamWWithDinoGroupsAndStepSchedules) {
  torch::nn::Sequential module(torch::nn::Linear(5, 4), torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
  {
    torch::NoGradGuard no_grad;
    for (auto& item : module->named_parameters()) item.value().copy_(in("adamw." + item.key()));
  }
  config::OptimConfig optim;  // pretrain.optim: torch's AdamW betas and eps, as the reference
  optim.weight_decay = 1.0;
  auto optimizer = make_adamw(*module, /*lr=*/1.0, optim);
  ASSERT_EQ(optimizer->param_groups().size(), 2u);
  EXPECT_EQ(optimizer->param_groups()[0].params().size(), 1u);  // 0.weight only
  EXPECT_EQ(optimizer->param_groups()[1].params().size(), 3u);  // biases and LayerNorm's 1-D weight
  const std::vector<std::pair<double, double>> steps = {{1e-2, 0.04}, {5e-3, 0.3}};
  for (size_t s = 0; s < steps.size(); ++s) {
    set_learning_rate_and_decay(*optimizer, steps[s].first, steps[s].second);
    for (auto& item : module->named_parameters()) {
      item.value().mutable_grad() = in("adamw_grad" + std::to_string(s) + "." + item.key()).clone();
    }
    optimizer->step();
  }
  for (auto& item : module->named_parameters()) {
    expect_close(item.value().detach(), want("adamw." + item.key()), 1e-6, "AdamW " + item.key());
  }
}

TEST_F(DinoReference, EmaTeacher) {
  torch::nn::Linear teacher(4, 3), student(4, 3);
  {
    torch::NoGradGuard no_grad;
    teacher->weight.copy_(in("ema_teacher"));
    student->weight.copy_(in("ema_student"));
    teacher->bias.zero_();
    student->bias.zero_();
  }
  ema_update(*teacher, *student, 0.996);
  expect_close(teacher->weight.detach(), want("ema"), 1e-7, "EMA");
}

TEST(Schedules, WarmupThenCosineEndpointsAndTeacherTemperature) {
  const auto lr = cosine_schedule(1.0, 0.1, 4, 10, 10);
  ASSERT_EQ(lr.size(), 40u);
  EXPECT_DOUBLE_EQ(lr[0], 0.0);
  EXPECT_DOUBLE_EQ(lr[9], 1.0);   // end of warm-up
  EXPECT_DOUBLE_EQ(lr[10], 1.0);  // cosine starts at the base value
  EXPECT_GT(lr[39], 0.1);
  EXPECT_LT(lr[39], 0.11);
  const auto temperature = teacher_temperature_schedule(0.04, 0.07, 3, 5);
  const std::vector<double> expected = {0.04, 0.055, 0.07, 0.07, 0.07};
  ASSERT_EQ(temperature.size(), expected.size());
  for (size_t e = 0; e < expected.size(); ++e) EXPECT_NEAR(temperature[e], expected[e], 1e-12) << "epoch " << e;
}

TEST(TrainCheckpoint, AtomicFilesKeepTheNewestAndRoundTrip) {
  testing::TempDir dir;
  const std::string folder = dir.file("checkpoints");
  EXPECT_FALSE(newest_checkpoint(folder).has_value());
  for (int64_t step : {2, 4, 6}) {
    write_checkpoint(folder, step, /*keep=*/2, [&](torch::serialize::OutputArchive& archive) {
      write_int(archive, "step", step);
      write_text(archive, "identity", "run " + std::to_string(step));
      archive.write("tensor", torch::full({2}, static_cast<double>(step)));
    });
  }
  std::ofstream(folder + "/step_000000008.pt.tmp") << "half a file";  // a write killed midway
  const auto newest = newest_checkpoint(folder);
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(std::filesystem::path(*newest).filename(), "step_000000006.pt");
  EXPECT_FALSE(std::filesystem::exists(folder + "/step_000000002.pt")) << "keep = 2";
  torch::serialize::InputArchive archive;
  archive.load_from(*newest);
  EXPECT_EQ(read_int(archive, "step"), 6);
  EXPECT_EQ(read_text(archive, "identity"), "run 6");
  torch::Tensor tensor;
  archive.read("tensor", tensor);
  EXPECT_TRUE(torch::equal(tensor, torch::full({2}, 6.0)));
  remove_checkpoints(folder);
  EXPECT_FALSE(newest_checkpoint(folder).has_value());
  EXPECT_FALSE(std::filesystem::exists(folder + "/step_000000008.pt.tmp"));
}

}  // namespace
}  // namespace dap
