// Progressive adaptation block, lock encoder and DINO head: parity with stock
// PyTorch modules (tests/python/ref_adaptation.py: nn.MultiheadAttention,
// nn.TransformerEncoder, torch.nn.utils.weight_norm) on tiny configs, the
// parameter counts of the real sizes, and the errors for wrong inputs/weights.
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
#include "core/models/adaptation_block.h"
#include "core/models/dino_head.h"
#include "core/models/torch_checkpoint.h"
#include "support/test_paths.h"

namespace dap {
namespace {

// The cases of ref_adaptation.py (PAB_CASES / LOCK_CASES there), as configs.
AdaptationConfig adaptation_case(const std::string& name) {
  AdaptationConfig c;
  if (name == "pab_cnn" || name == "lock_cnn") {
    c.width = 16;
    c.num_layers = 3;
    c.input_widths = {6, 10, 12};
    c.num_frames = 4;
    c.temporal_layers = 2;
    c.heads = name == "pab_cnn" ? 4 : 2;
    c.mlp_ratio = 4;
  } else {  // pab_vit, lock_vit: features already of width D
    c.width = 12;
    c.num_layers = 2;
    c.num_frames = 5;
    c.temporal_layers = 1;
    c.heads = 3;
    c.mlp_ratio = name == "pab_vit" ? 2 : 4;
  }
  c.mode = name.rfind("lock", 0) == 0 ? "lock_encoder" : "pab";
  return c;
}

DinoHeadConfig tiny_dino() {
  DinoHeadConfig c;
  c.hidden_dim = 32;
  c.bottleneck_dim = 8;
  c.out_dim = 64;
  return c;
}

void check_close(const std::string& what, const torch::Tensor& actual, const torch::Tensor& expected) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double diff = (actual - expected).abs().max().item<double>();
  const double scale = expected.abs().max().item<double>();
  EXPECT_LE(diff, 1e-4 * scale + 1e-6) << what << ": max |a-b| " << diff << ", max |b| " << scale;
  std::cout << what << ": max |a-b| = " << diff << ", max |b| = " << scale << ", relative " << diff / scale
            << std::endl;
}

int64_t count_parameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

// The reference is written once for all suites (the Python start-up dominates).
class Reference {
 public:
  static Reference& get() {
    static Reference instance;
    return instance;
  }
  bool ok() const { return ok_; }
  std::string file(const std::string& name) const { return dir_.file(name); }
  const StateDict& io() const { return io_; }
  std::vector<torch::Tensor> inputs(const std::string& name) const {
    std::vector<torch::Tensor> inputs;
    for (int i = 0; io_.count(name + ".input." + std::to_string(i)); ++i)
      inputs.push_back(io_.at(name + ".input." + std::to_string(i)));
    return inputs;
  }

 private:
  Reference() {
    ok_ = testing::run_python_reference("ref_adaptation.py", "'" + dir_.path() + "'").empty();
    if (ok_) io_ = load_torch_state_dict(dir_.file("io.pt"));
  }
  testing::TempDir dir_;
  bool ok_ = false;
  StateDict io_;
};

class AdaptationBlockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Reference::get().ok()) << "tests/python/ref_adaptation.py failed"; }
  const Reference& ref() const { return Reference::get(); }
};
using DinoHeadTest = AdaptationBlockTest;

TEST_F(AdaptationBlockTest, PabMatchesPythonReference) {
  for (const std::string name : {"pab_cnn", "pab_vit"}) {
    SCOPED_TRACE(name);
    ProgressiveAdaptationBlock pab(adaptation_case(name));
    load_module_state(*pab, load_torch_state_dict(ref().file(name + "_weights.pt")), name);
    pab->eval();
    torch::NoGradGuard no_grad;
    check_close(name, pab->forward(ref().inputs(name)), ref().io().at(name + ".output"));
  }
}

TEST_F(AdaptationBlockTest, LockEncoderMatchesPythonReference) {
  for (const std::string name : {"lock_cnn", "lock_vit"}) {
    SCOPED_TRACE(name);
    LockEncoder lock(adaptation_case(name));
    load_module_state(*lock, load_torch_state_dict(ref().file(name + "_weights.pt")), name);
    torch::NoGradGuard no_grad;
    check_close(name, lock->forward(ref().inputs(name).at(0)), ref().io().at(name + ".output"));
  }
}

TEST_F(AdaptationBlockTest, VideoAdapterRunsTheConfiguredMode) {
  // The lock encoder reads only the last layer: earlier layers may be anything.
  AdaptationConfig config = adaptation_case("lock_cnn");
  VideoAdapter adapter(config);
  StateDict state;
  for (const auto& [key, tensor] : load_torch_state_dict(ref().file("lock_cnn_weights.pt")))
    state.emplace("lock_encoder." + key, tensor);
  load_module_state(*adapter, state, "lock_cnn");
  torch::NoGradGuard no_grad;
  const torch::Tensor last = ref().inputs("lock_cnn").at(0);
  check_close("adapter lock_cnn", adapter->forward({torch::randn({2, 8, 6}), torch::randn({2, 8, 10}), last}),
              ref().io().at("lock_cnn.output"));

  VideoAdapter pab(adaptation_case("pab_cnn"));
  EXPECT_TRUE(pab->named_parameters().contains("pab.prompts"));
  EXPECT_EQ(pab->forward(ref().inputs("pab_cnn")).sizes(), torch::IntArrayRef({2, 16}));
  config.mode = "train_encoder";
  EXPECT_THROW(VideoAdapter{config}, ConfigError);
}

TEST_F(AdaptationBlockTest, RealSizeParameterCountsMatchPython) {
  AdaptationConfig vit;  // defaults: CLIP ViT-B/16, 12 layers of width 768, 6 temporal layers, 12 heads
  ProgressiveAdaptationBlock pab_vit(vit);
  EXPECT_EQ(count_parameters(*pab_vit), ref().io().at("counts.pab_vit_b16").item<int64_t>());
  LockEncoder lock_vit(vit);
  EXPECT_EQ(count_parameters(*lock_vit), ref().io().at("counts.lock_vit_b16").item<int64_t>());

  AdaptationConfig cnn;  // R(2+1)D-34: 4 stages projected to 512, 2 temporal layers, 8 heads
  cnn.width = 512;
  cnn.num_layers = 4;
  cnn.input_widths = {64, 128, 256, 512};
  cnn.temporal_layers = 2;
  cnn.heads = 8;
  ProgressiveAdaptationBlock pab_cnn(cnn);
  EXPECT_EQ(count_parameters(*pab_cnn), ref().io().at("counts.pab_r2plus1d_34").item<int64_t>());
  std::cout << "PAB parameters: ViT-B/16 " << count_parameters(*pab_vit) << ", R(2+1)D-34 "
            << count_parameters(*pab_cnn) << "; lock encoder ViT-B/16 " << count_parameters(*lock_vit) << std::endl;
}

TEST_F(AdaptationBlockTest, WrongWeightsNameEveryBadKey) {
  StateDict state = load_torch_state_dict(ref().file("pab_cnn_weights.pt"));
  state.erase("steps.1.attn.in_proj_bias");
  state["temporal.layers.0.linear1.weight"] = torch::zeros({64, 15});
  ProgressiveAdaptationBlock pab(adaptation_case("pab_cnn"));
  try {
    load_module_state(*pab, state, "adapter.pt");
    FAIL() << "no error for a broken state dict";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("adapter.pt"), std::string::npos) << message;
    EXPECT_NE(message.find("missing key 'steps.1.attn.in_proj_bias'"), std::string::npos) << message;
    EXPECT_NE(message.find("'temporal.layers.0.linear1.weight' has shape [64, 15], expected [64, 16]"),
              std::string::npos)
        << message;
  }
}

TEST_F(AdaptationBlockTest, RejectsInputsThatDoNotFitTheConfig) {
  ProgressiveAdaptationBlock pab(adaptation_case("pab_cnn"));
  std::vector<torch::Tensor> inputs = ref().inputs("pab_cnn");
  EXPECT_THROW(pab->forward({inputs[0], inputs[1]}), Error);                                   // 2 of 3 layers
  EXPECT_THROW(pab->forward({inputs[0], inputs[1], torch::randn({2, 4, 16})}), Error);        // width 16, not 12
  EXPECT_THROW(pab->forward({inputs[0], inputs[1], torch::randn({2, 5, 12})}), Error);        // T 5, not 4
  AdaptationConfig bad = adaptation_case("pab_cnn");
  bad.heads = 5;
  EXPECT_THROW(ProgressiveAdaptationBlock{bad}, ConfigError);
  EXPECT_NE(config::config_to_lua(AdaptationConfig{}).find("mode = \"pab\""), std::string::npos);
}

TEST_F(AdaptationBlockTest, GradientsReachPromptsAndEveryLayer) {
  ProgressiveAdaptationBlock pab(adaptation_case("pab_cnn"));
  pab->forward(ref().inputs("pab_cnn")).square().sum().backward();
  for (const auto& item : pab->named_parameters()) {
    EXPECT_TRUE(item.value().grad().defined()) << item.key();
    if (item.value().grad().defined()) EXPECT_GT(item.value().grad().abs().sum().item<double>(), 0) << item.key();
  }
}

TEST_F(DinoHeadTest, MatchesPythonReference) {
  DinoHead head(16, tiny_dino());
  load_module_state(*head, load_torch_state_dict(ref().file("dino_weights.pt")), "dino");
  torch::NoGradGuard no_grad;
  check_close("dino", head->forward(ref().inputs("dino").at(0)), ref().io().at("dino.output"));
}

TEST_F(DinoHeadTest, RealSizeParameterCountMatchesPython) {
  DinoHead head(768);  // 768 -> 2048 -> 2048 -> 256 -> 65536
  EXPECT_EQ(count_parameters(*head), ref().io().at("counts.dino_768").item<int64_t>());
  EXPECT_EQ(head->forward(torch::randn({2, 768})).sizes(), torch::IntArrayRef({2, 65536}));
}

TEST(DinoHeadInitTest, LastLayerNormIsOneAndFrozenAndInitIsSeeded) {
  torch::manual_seed(7);
  DinoHead a(16, tiny_dino());
  torch::manual_seed(7);
  DinoHead b(16, tiny_dino());
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();

  const torch::Tensor g = pa["last_layer.weight_g"];
  EXPECT_EQ(g.sizes(), torch::IntArrayRef({64, 1}));
  EXPECT_TRUE(torch::all(g == 1).item<bool>());
  EXPECT_FALSE(g.requires_grad());
  EXPECT_TRUE(pa["last_layer.weight_v"].requires_grad());
  EXPECT_TRUE(torch::allclose(a->last()->weight().norm(2, {1}), torch::ones({64})));
  // DINO's trunc_normal_(std=.02) and zero biases.
  const torch::Tensor w = pa["mlp.2.weight"];
  EXPECT_NEAR(w.std().item<double>(), 0.02, 0.004);
  EXPECT_LE(w.abs().max().item<double>(), 2.0);
  EXPECT_TRUE(torch::all(pa["mlp.4.bias"] == 0).item<bool>());
  EXPECT_NE(config::config_to_lua(DinoHeadConfig{}).find("out_dim = 65536"), std::string::npos);
}

}  // namespace
}  // namespace dap
