// TimeSformer: parity with an independent python3-torch implementation written
// from the paper (tests/python/ref_timesformer.py) on a tiny configuration and on
// the released ViT-B/16 sizes, each at the checkpoint's frame size and at a
// resized one (position and time embeddings interpolated); checkpoints in the
// released layout ("model_state" with "model." keys beside the optimizer state);
// errors for wrong weight files.
//
// Agreement: a tensor passes when max|a - b| <= 1e-4 * max|b| + 1e-6
// (b the reference); the measured max|a - b| / max|b| is printed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "core/base/error.h"
#include "core/models/timesformer.h"
#include "core/models/torch_checkpoint.h"
#include "support/test_paths.h"

namespace dap {
namespace {

TimeSformerConfig tiny_config() {
  TimeSformerConfig config;
  config.width = 32;
  config.layers = 3;
  config.heads = 4;
  config.patch_size = 8;
  config.image_size = 32;
  config.num_frames = 4;
  config.num_classes = 5;
  return config;
}

bool run_reference(const testing::TempDir& dir, const std::string& cases) {
  const std::string error = testing::run_python_reference("ref_timesformer.py", "'" + dir.path() + "' " + cases);
  EXPECT_EQ(error, "");
  return error.empty();
}

void check_close(const std::string& what, const torch::Tensor& actual, const torch::Tensor& expected) {
  ASSERT_TRUE(actual.defined()) << what;
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double diff = (actual - expected).abs().max().item<double>();
  const double scale = expected.abs().max().item<double>();
  EXPECT_LE(diff, 1e-4 * scale + 1e-6) << what << ": max |a-b| " << diff << ", max |b| " << scale;
  std::cout << what << ": relative max difference " << diff / scale << std::endl;
}

// The reference input and its resized variant through `model`; every output compared.
void expect_matches_reference(TimeSformer& model, const StateDict& io, const std::string& name) {
  torch::NoGradGuard no_grad;
  for (const std::string prefix : {"", "resized."}) {
    const TimeSformerOutput out = model->forward(io.at(prefix + "input"));
    check_close(name + " " + prefix + "logits", out.logits, io.at(prefix + "logits"));
    check_close(name + " " + prefix + "features", out.features, io.at(prefix + "features"));
    ASSERT_EQ(out.layer_features.size(), static_cast<size_t>(model->config().layers));
    for (size_t i = 0; i < out.layer_features.size(); ++i) {
      check_close(name + " " + prefix + "layer " + std::to_string(i), out.layer_features[i],
                  io.at(prefix + "layer." + std::to_string(i)));
    }
  }
}

int64_t count_parameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

class TimeSformerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>();
    ok_ = run_reference(*dir_, "tiny");
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override { ASSERT_TRUE(ok_) << "the Python reference did not run"; }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::unique_ptr<testing::TempDir> dir_;
  static bool ok_;
};
std::unique_ptr<testing::TempDir> TimeSformerTest::dir_;
bool TimeSformerTest::ok_ = false;

TEST_F(TimeSformerTest, TinyMatchesPythonReferenceFromReleasedLayout) {
  const StateDict state = load_torch_state_dict(file("tiny_weights.pyth"));
  EXPECT_TRUE(state.count("model_state.model.blocks.0.temporal_fc.weight"));
  TimeSformer model(tiny_config());
  load_timesformer(model, state, "tiny_weights.pyth", /*include_head=*/true);
  model->eval();
  const StateDict io = load_torch_state_dict(file("tiny_io.pt"));
  EXPECT_EQ(count_parameters(*model), io.at("num_parameters").item<int64_t>());
  expect_matches_reference(model, io, "tiny");
}

TEST_F(TimeSformerTest, ReadsBareStateDictsAndInfersTheSizes) {
  const StateDict bare = timesformer_weights(load_torch_state_dict(file("tiny_weights.pyth")));
  EXPECT_TRUE(bare.count("blocks.2.mlp.fc2.bias"));
  const TimeSformerConfig inferred = timesformer_config_from_weights(bare);
  const TimeSformerConfig expected = tiny_config();
  EXPECT_EQ(inferred.width, expected.width);
  EXPECT_EQ(inferred.layers, expected.layers);
  EXPECT_EQ(inferred.patch_size, expected.patch_size);
  EXPECT_EQ(inferred.image_size, expected.image_size);
  EXPECT_EQ(inferred.num_frames, expected.num_frames);
  EXPECT_EQ(inferred.num_classes, expected.num_classes);
  // Features only: the checkpoint's head is ignored.
  TimeSformerConfig features_only = expected;
  features_only.num_classes = 0;
  TimeSformer model(features_only);
  load_timesformer(model, bare, "bare.pt", /*include_head=*/false);
  torch::NoGradGuard no_grad;
  const StateDict io = load_torch_state_dict(file("tiny_io.pt"));
  const TimeSformerOutput out = model->forward(io.at("input"));
  EXPECT_FALSE(out.logits.defined());
  check_close("features only", out.features, io.at("features"));
}

TEST_F(TimeSformerTest, OneErrorNamesEveryMissingUnexpectedAndMisshapedKey) {
  StateDict state = timesformer_weights(load_torch_state_dict(file("tiny_weights.pyth")));
  state.erase("blocks.1.temporal_fc.weight");
  state["blocks.1.extra.weight"] = torch::zeros({2});
  state["time_embed"] = torch::zeros({1, 8, 32});
  TimeSformer model(tiny_config());
  try {
    load_timesformer(model, state, "broken.pyth", true);
    FAIL() << "no error for a broken checkpoint";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("broken.pyth"), std::string::npos) << what;
    EXPECT_NE(what.find("blocks.1.temporal_fc.weight"), std::string::npos) << what;
    EXPECT_NE(what.find("blocks.1.extra.weight"), std::string::npos) << what;
    EXPECT_NE(what.find("'time_embed' has shape"), std::string::npos) << what;
  }
  EXPECT_THROW(timesformer_config_from_weights(StateDict{{"x", torch::zeros({1})}}), InputError);
}

TEST(TimeSformerBaseTest, ReleasedSizesMatchPythonReference) {
  // TimeSformer_divST_8x32_224_K400's sizes (ViT-B/16, 8 x 224, 400 classes) and the 96 px local view.
  testing::TempDir dir;
  ASSERT_TRUE(run_reference(dir, "vit_base"));
  const StateDict io = load_torch_state_dict(dir.file("vit_base_io.pt"));
  TimeSformer model(TimeSformerConfig{});
  load_timesformer(model, load_torch_state_dict(dir.file("vit_base_weights.pyth")), "vit_base", true);
  model->eval();
  const int64_t parameters = count_parameters(*model);
  std::cout << "TimeSformer ViT-B/16 (400 classes): " << parameters << " parameters" << std::endl;
  EXPECT_EQ(parameters, io.at("num_parameters").item<int64_t>());
  expect_matches_reference(model, io, "vit_base");
}

}  // namespace
}  // namespace dap
