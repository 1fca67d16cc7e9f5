// R(2+1)D: parity with an independent python3-torch rebuild of torchvision's
// VideoResNet (tests/python/ref_r2plus1d.py) on tiny configs of both variants
// and on the real R(2+1)D-34 widths at a small input; loading of CUDA-saved
// and classifier-less weights; errors for wrong weight files.
//
// Agreement: a tensor passes when max|a - b| <= 1e-4 * max|b| + 1e-6
// (b the reference); the measured max|a - b| / max|b| is printed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "core/base/error.h"
#include "core/config/config_binding.h"
#include "core/models/r2plus1d.h"
#include "core/models/torch_checkpoint.h"
#include "support/test_paths.h"

namespace dap {
namespace {

// The cases of ref_r2plus1d.py (CASES there), as configs.
R2Plus1dConfig case_config(const std::string& name) {
  R2Plus1dConfig config;  // defaults: R(2+1)D-34, IG65M, 487 classes
  if (name == "tiny_ig65m") {
    config.layers = {2, 2, 1, 1};
    config.widths = {8, 16, 24, 32};
    config.stem_mid_width = 6;
    config.stem_width = 8;
    config.num_classes = 5;
  } else if (name == "tiny_torchvision") {
    config.layers = {1, 2, 1, 2};
    config.widths = {8, 12, 16, 24};
    config.stem_mid_width = 5;
    config.stem_width = 6;
    config.variant = "torchvision";
    config.num_classes = 0;
  }
  return config;
}

// Runs the Python reference for `cases` into `dir`; false (with a failure) if it fails.
bool run_reference(const testing::TempDir& dir, const std::string& cases) {
  const std::string error = testing::run_python_reference("ref_r2plus1d.py", "'" + dir.path() + "' " + cases);
  EXPECT_EQ(error, "");
  return error.empty();
}

double check_close(const std::string& what, const torch::Tensor& actual, const torch::Tensor& expected) {
  EXPECT_TRUE(actual.defined()) << what;
  if (!actual.defined()) return INFINITY;
  EXPECT_EQ(actual.sizes(), expected.sizes()) << what;
  if (actual.sizes() != expected.sizes()) return INFINITY;
  const double diff = (actual - expected).abs().max().item<double>();
  const double scale = expected.abs().max().item<double>();
  EXPECT_LE(diff, 1e-4 * scale + 1e-6) << what << ": max |a-b| " << diff << ", max |b| " << scale;
  std::cout << what << ": max |a-b| = " << diff << ", max |b| = " << scale << ", relative " << diff / scale
            << std::endl;
  return diff / scale;
}

int64_t count_parameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

// Forward `name`'s reference input through `model` and compare every output.
void expect_matches_reference(R2Plus1d& model, const StateDict& io, const std::string& name) {
  torch::NoGradGuard no_grad;
  const R2Plus1dOutput out = model->forward(io.at("input"));
  ASSERT_EQ(out.stage_features.size(), 4u);
  for (int s = 0; s < 4; ++s)
    check_close(name + " stage " + std::to_string(s + 1), out.stage_features[s], io.at("stage." + std::to_string(s)));
  check_close(name + " last_feature_map", out.last_feature_map, io.at("last_feature_map"));
  if (io.count("logits")) {
    check_close(name + " logits", out.logits, io.at("logits"));
  } else {
    EXPECT_FALSE(out.logits.defined());
  }
}

// The two tiny cases are written once for the suite (the Python start-up dominates).
class R2Plus1dTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>();
    ok_ = run_reference(*dir_, "tiny_ig65m tiny_torchvision");
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override { ASSERT_TRUE(ok_) << "the Python reference did not run"; }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::unique_ptr<testing::TempDir> dir_;
  static bool ok_;
};
std::unique_ptr<testing::TempDir> R2Plus1dTest::dir_;
bool R2Plus1dTest::ok_ = false;

TEST_F(R2Plus1dTest, MatchesPythonReferenceIg65mVariant) {
  const StateDict io = load_torch_state_dict(file("tiny_ig65m_io.pt"));
  R2Plus1d model = load_r2plus1d(file("tiny_ig65m_weights.pt"), case_config("tiny_ig65m"), /*include_fc=*/true);
  EXPECT_FALSE(model->is_training());
  EXPECT_EQ(count_parameters(*model), io.at("num_parameters").item<int64_t>());
  expect_matches_reference(model, io, "tiny_ig65m");
}

TEST_F(R2Plus1dTest, MatchesPythonReferenceTorchvisionVariantWithoutClassifier) {
  const StateDict io = load_torch_state_dict(file("tiny_torchvision_io.pt"));
  R2Plus1d model = load_r2plus1d(file("tiny_torchvision_weights.pt"), case_config("tiny_torchvision"), false);
  EXPECT_FALSE(model->has_classifier());
  EXPECT_EQ(count_parameters(*model), io.at("num_parameters").item<int64_t>());
  expect_matches_reference(model, io, "tiny_torchvision");
}

TEST_F(R2Plus1dTest, LoadsCudaSavedWeights) {
  const StateDict cpu = load_torch_state_dict(file("tiny_ig65m_weights.pt"));
  const StateDict cuda = load_torch_state_dict(file("tiny_ig65m_weights_cuda.pt"));
  ASSERT_EQ(cpu.size(), cuda.size());
  for (const auto& [name, tensor] : cpu) EXPECT_TRUE(torch::equal(tensor, cuda.at(name))) << name;
  R2Plus1d model = load_r2plus1d(file("tiny_ig65m_weights_cuda.pt"), case_config("tiny_ig65m"), true);
  expect_matches_reference(model, load_torch_state_dict(file("tiny_ig65m_io.pt")), "tiny_ig65m (cuda-saved)");
}

TEST_F(R2Plus1dTest, LoadsFeaturesWithoutTheClassifier) {
  // A file with fc.* read into a features-only model, as when the IG65M
  // classifier is replaced: the stage features are unchanged.
  R2Plus1dConfig config = case_config("tiny_ig65m");
  config.num_classes = 0;
  R2Plus1d model = load_r2plus1d(file("tiny_ig65m_weights.pt"), config, /*include_fc=*/false);
  StateDict io = load_torch_state_dict(file("tiny_ig65m_io.pt"));
  io.erase("logits");
  expect_matches_reference(model, io, "tiny_ig65m without fc");

  // A model with its own classifier keeps its fc when include_fc is false.
  config.num_classes = 11;
  R2Plus1d with_fc(config);
  const torch::Tensor initial_fc = with_fc->named_parameters()["fc.weight"].clone();
  load_r2plus1d(with_fc, load_torch_state_dict(file("tiny_ig65m_weights.pt")), "tiny", false);
  EXPECT_TRUE(torch::equal(with_fc->named_parameters()["fc.weight"], initial_fc));
  EXPECT_THROW(load_r2plus1d(model, load_torch_state_dict(file("tiny_ig65m_weights.pt")), "tiny", true), Error);
}

TEST_F(R2Plus1dTest, WrongWeightsNameEveryBadKey) {
  StateDict state = load_torch_state_dict(file("tiny_ig65m_weights.pt"));
  state.erase("layer2.0.conv2.0.3.weight");
  state["layer1.0.conv1.1.running_var"] = torch::ones({7});
  state["head.weight"] = torch::zeros({2});
  R2Plus1d model(case_config("tiny_ig65m"));
  try {
    load_r2plus1d(model, state, "broken.pth", true);
    FAIL() << "no error for a broken state dict";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("broken.pth"), std::string::npos) << message;
    EXPECT_NE(message.find("missing key 'layer2.0.conv2.0.3.weight'"), std::string::npos) << message;
    EXPECT_NE(message.find("'layer1.0.conv1.1.running_var' has shape [7], expected [8]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("unexpected key 'head.weight'"), std::string::npos) << message;
  }
  // IG65M weights in a torchvision-variant model: conv2's mid width differs.
  R2Plus1dConfig torchvision = case_config("tiny_ig65m");
  torchvision.variant = "torchvision";
  R2Plus1d other(torchvision);
  try {
    load_r2plus1d(other, load_torch_state_dict(file("tiny_ig65m_weights.pt")), "ig65m.pth", true);
    FAIL() << "no error for weights of the other variant";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'layer2.0.conv2.0.0.weight' has shape"), std::string::npos) << e.what();
  }
}

TEST(R2Plus1d34Test, MatchesPythonReferenceAtSmallInput) {
  // The real R(2+1)D-34 (IG65M variant, 487 classes) at 8 frames of 32 x 32.
  testing::TempDir dir;
  ASSERT_TRUE(run_reference(dir, "r2plus1d_34"));
  const StateDict io = load_torch_state_dict(dir.file("r2plus1d_34_io.pt"));
  R2Plus1d model = load_r2plus1d(dir.file("r2plus1d_34_weights.pt"), R2Plus1dConfig{}, true);
  const int64_t parameters = count_parameters(*model);
  std::cout << "R(2+1)D-34 (IG65M, 487 classes): " << parameters << " parameters" << std::endl;
  EXPECT_EQ(parameters, io.at("num_parameters").item<int64_t>());
  EXPECT_EQ(parameters, 63741806);
  expect_matches_reference(model, io, "r2plus1d_34");
}

TEST(R2Plus1dShapeTest, MidWidthsAndParameterCounts) {
  // (2+1)D rule; the IG65M conv2 widths 288/576/1152 (moabitcoin's r2plus1d_34).
  EXPECT_EQ(r2plus1d_midplanes(64, 128), 230);
  EXPECT_EQ(r2plus1d_midplanes(128, 128), 288);
  EXPECT_EQ(r2plus1d_midplanes(256, 256), 576);
  EXPECT_EQ(r2plus1d_midplanes(512, 512), 1152);
  // torchvision's r2plus1d_18 has 31,505,325 parameters (its documented num_params).
  R2Plus1dConfig r18;
  r18.layers = {2, 2, 2, 2};
  r18.variant = "torchvision";
  r18.num_classes = 400;
  R2Plus1d model(r18);
  EXPECT_EQ(count_parameters(*model), 31505325);
}

TEST(R2Plus1dShapeTest, OutputShapesFollowTheStrides) {
  R2Plus1d model(case_config("tiny_ig65m"));
  model->eval();
  torch::NoGradGuard no_grad;
  const R2Plus1dOutput out = model->forward(torch::randn({2, 3, 9, 20, 24}));
  const std::vector<int64_t> steps = {9, 5, 3, 2}, widths = {8, 16, 24, 32};  // T, ceil(T/2), ...
  for (int s = 0; s < 4; ++s) EXPECT_EQ(out.stage_features[s].sizes(), torch::IntArrayRef({2, steps[s], widths[s]}));
  EXPECT_EQ(out.last_feature_map.sizes(), torch::IntArrayRef({2, 32, 2, 2, 2}));
  EXPECT_EQ(out.logits.sizes(), torch::IntArrayRef({2, 5}));
  EXPECT_THROW(model->forward(torch::randn({2, 9, 3, 20, 24})), Error);  // channels after time
  EXPECT_THROW(model->forward(torch::randn({3, 20, 24})), Error);
  EXPECT_NE(config::config_to_lua(R2Plus1dConfig{}).find("variant = \"ig65m\""), std::string::npos);
}

}  // namespace
}  // namespace dap
