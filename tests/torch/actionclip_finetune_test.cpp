// Fine-tuning as ActionCLIP does it (METHOD.md 5): the loss and AdamW settings
// against python3-torch written from ActionCLIP's released code
// (tests/python/ref_actionclip_finetune.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/config/finetune_config.h"
#include "core/models/video_classifier.h"
#include "core/train/training_setup.h"
#include "finetune/actionclip_loss.h"
#include "support/python_reference.h"

namespace dap {
namespace {

inline constexpr char kActionClipScript[] = "ref_actionclip_finetune.py";
class ActionClipReference : public testing::PythonReference<kActionClipScript> {};

TEST_F(ActionClipReference, SymmetricKlLossOfItsTrainingScript) {
  const double got = actionclip_kl_loss(in("pair_logits"), in("labels")).item<double>();
  const double expected = want("actionclip_loss").item<double>();
  EXPECT_NEAR(got, expected, 1e-5 * std::abs(expected));
  // Not the cross-entropy over the pairs, which would ignore clips that share a label.
  const double cross_entropy =
      torch::nn::functional::cross_entropy(in("pair_logits"), torch::arange(6)).item<double>();
  EXPECT_GT(std::abs(cross_entropy - expected), 1e-3);
}

TEST_F(ActionClipReference, AdamWWithItsBetasAndEps) {
  torch::nn::Sequential module(torch::nn::Linear(5, 4), torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
  {
    torch::NoGradGuard no_grad;
    for (auto& item : module->named_parameters()) item.value().copy_(in("adamw." + item.key()));
  }
  const config::FinetuneOptimConfig optim;  // finetune.optim's defaults: betas {0.9, 0.98}, eps 1e-8, decay 0.2
  ASSERT_EQ(optim.betas, (std::vector<double>{0.9, 0.98}));
  auto optimizer = make_adamw(*module, /*lr=*/1e-2, optim);
  for (int step = 0; step < 3; ++step) {
    for (auto& item : module->named_parameters()) {
      item.value().mutable_grad() = in("adamw_grad" + std::to_string(step) + "." + item.key()).clone();
    }
    optimizer->step();
  }
  for (const auto& item : module->named_parameters()) {
    const torch::Tensor& expected = want("adamw." + item.key());
    EXPECT_LE((item.value() - expected).abs().max().item<double>(), 1e-6) << item.key();
  }
}

// finetune.optim.decay_all_parameters: ActionCLIP's AdamW decays every parameter.
TEST_F(ActionClipReference, AdamWDecayingEveryParameterAsItsSolver) {
  torch::nn::Sequential module(torch::nn::Linear(5, 4), torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
  {
    torch::NoGradGuard no_grad;
    for (auto& item : module->named_parameters()) item.value().copy_(in("adamw." + item.key()));
  }
  config::FinetuneOptimConfig optim;
  optim.decay_all_parameters = true;
  auto optimizer = make_adamw(*module, std::vector<double>{1e-2}, optim, {});
  set_learning_rate_and_decay(*optimizer, {1e-2}, optim.weight_decay, optim.decay_all_parameters);
  for (int step = 0; step < 3; ++step) {
    for (auto& item : module->named_parameters()) {
      item.value().mutable_grad() = in("adamw_grad" + std::to_string(step) + "." + item.key()).clone();
    }
    optimizer->step();
  }
  for (const auto& item : module->named_parameters()) {
    const torch::Tensor& expected = want("adamw_all." + item.key());
    EXPECT_LE((item.value() - expected).abs().max().item<double>(), 1e-6) << item.key();
    // Biases and LayerNorm parameters decay too: not what dap's default gives.
    if (item.value().dim() == 1) {
      EXPECT_GT((item.value() - want("adamw." + item.key())).abs().max().item<double>(), 1e-6) << item.key();
    }
  }
}

TEST_F(ActionClipReference, TemplateEnsembleOfItsTestScript) {
  const torch::Tensor scores = template_ensemble_scores(in("video_embedding"), in("template_embeddings"), 100.0);
  EXPECT_TRUE(torch::allclose(torch::softmax(scores, 1), want("template_ensemble"), 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(scores.argmax(1), want("template_ensemble").argmax(1)));
}

}  // namespace
}  // namespace dap
