// Where an adaptation block can come from (finetune.init_adapter, pretrain.init_adapter):
// dap-pretrain's adapter.pt and the adaptation block inside a dap-finetune model.pt load
// with every tensor equal to the stored one; a missing file or one without an adaptation
// block is an InputError naming the key. The text head as ActionCLIP has it (METHOD.md 3
// and 5): the lock encoder over CLIP's projected frame embeddings, matched to the class
// embeddings without a projection; a trained text encoder that gets gradients, with
// per-step templates, and class embeddings that follow it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/base/error.h"
#include "core/config/experiment_config.h"
#include "core/models/adapter_file.h"
#include "core/models/video_classifier.h"
#include "core/train/training_setup.h"
#include "support/test_paths.h"

namespace dap {
namespace {

config::ExperimentConfig tiny_config() {
  config::ExperimentConfig c;
  auto& p = c.pretrain;
  p.backbone.kind = "clip_vit";
  p.backbone.weights.clear();
  p.backbone.clip = {/*image_size=*/16, /*patch_size=*/8, /*width=*/16, /*layers=*/2, /*heads=*/2, /*output_dim=*/8};
  p.adapter.mode = "lock_encoder";
  p.adapter.width = 16;
  p.adapter.num_layers = 2;
  p.adapter.num_frames = 2;
  p.adapter.temporal_layers = 1;
  p.adapter.heads = 2;
  p.adapter.mlp_ratio = 2;
  c.finetune.head.kind = "linear";
  return c;
}

void expect_same_parameters(VideoAdapter& got, VideoAdapter& want) {
  const auto want_parameters = want->named_parameters();
  ASSERT_GT(want_parameters.size(), 0u);
  for (const auto& item : got->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), want_parameters[item.key()])) << item.key();
  }
}

std::string error_of(VideoAdapter& adapter, const std::string& file) {
  try {
    load_adapter_weights(adapter, file, "pretrain.init_adapter");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(AdapterWeights, LoadFromAFinetuneModelAndFromAnAdapterFile) {
  const auto config = tiny_config();
  testing::TempDir dir;
  BuiltClassifier trained = build_video_classifier(config, {"a", "b", "c"}, "", /*seed=*/3);
  torch::serialize::OutputArchive model_file, adapter_file, adapter_state;
  write_trained_classifier(model_file, trained.model, {"a", "b", "c"});
  model_file.save_to(dir.file("model.pt"));
  trained.model->adapter()->save(adapter_state);
  adapter_file.write("adapter", adapter_state);
  adapter_file.save_to(dir.file("adapter.pt"));

  for (const char* name : {"model.pt", "adapter.pt"}) {
    torch::manual_seed(11);  // a different initialisation than the stored one
    VideoAdapter fresh(config.pretrain.adapter);
    ASSERT_FALSE(torch::equal(fresh->parameters()[0], trained.model->adapter()->parameters()[0]));
    load_adapter_weights(fresh, dir.file(name), "pretrain.init_adapter");
    expect_same_parameters(fresh, trained.model->adapter());
  }
}

TEST(AdapterWeights, MissingFileOrNoAdapterNamesTheKey) {
  const auto config = tiny_config();
  testing::TempDir dir;
  VideoAdapter adapter(config.pretrain.adapter);
  EXPECT_NE(error_of(adapter, dir.file("absent.pt")).find("pretrain.init_adapter: '"), std::string::npos);
  torch::serialize::OutputArchive other;
  other.write("center", torch::zeros({3}));
  other.save_to(dir.file("other.pt"));
  EXPECT_NE(error_of(adapter, dir.file("other.pt")).find("holds no adaptation block"), std::string::npos);
}

// tiny_config() with the text head, its block reading CLIP's 8-d frame
// embeddings (ActionCLIP's fusion), three templates.
config::ExperimentConfig text_head_config() {
  config::ExperimentConfig c = tiny_config();
  c.pretrain.adapter.lock_input = "embedding";
  c.pretrain.adapter.width = 8;
  c.finetune.head.kind = "text";
  auto& text = c.finetune.head.text;
  text.encoder = {/*vocab_size=*/49408, /*context_length=*/12, /*width=*/16, /*layers=*/1, /*heads=*/2,
                  /*embed_dim=*/8};
  text.templates = {"a video of {}", "{}", "someone is {}"};
  text.vocab = testing::asset("clip/bpe_simple_vocab_16e6.txt.gz");
  return c;
}

const std::vector<std::string> kClasses = {"drink", "jump", "pick"};

TEST(ActionClipLockEncoder, ReadsClipFrameEmbeddingsAndMatchesThemWithoutProjection) {
  config::ExperimentConfig config = text_head_config();
  config.finetune.head.text.ensemble = "embeddings";  // scores against the mean class embeddings
  BuiltClassifier built = build_video_classifier(config, kClasses, "", /*seed=*/1);
  VideoClassifier& model = built.model;
  model->eval();
  for (const auto& item : model->named_parameters()) {
    EXPECT_EQ(item.key().rfind("text_", 0), std::string::npos) << "no projection after the fusion: " << item.key();
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor clip = torch::randn({3, 2, 3, 16, 16});
  // ActionCLIP: CLIP's image embedding of each frame -> temporal transformer (+ skip) -> mean.
  const torch::Tensor fused = model->adapter()->forward({model->backbone()->frame_embeddings(clip)});
  const torch::Tensor expected = model->match_text(fused, model->step_class_embeddings({0, 0, 0}));
  EXPECT_TRUE(torch::allclose(model->forward(clip), expected, 1e-5, 1e-5));
  // The last block's class tokens (width 16) are not what this block reads.
  EXPECT_THROW(model->adapter()->forward({model->backbone()->layer_features(clip).back()}), std::exception);
}

// adapter.input_widths describes the backbone's layers (set, say, by a site overlay for
// every backbone); the embedding is as wide as the block, so nothing projects it.
TEST(ActionClipLockEncoder, LayerWidthsDoNotApplyToTheEmbedding) {
  config::ExperimentConfig config = text_head_config();
  config.pretrain.adapter.input_widths.assign(config.pretrain.adapter.num_layers, 16);
  BuiltClassifier built = build_video_classifier(config, kClasses, "", /*seed=*/1);
  for (const auto& item : built.model->named_parameters()) {
    EXPECT_EQ(item.key().find("input_proj"), std::string::npos) << item.key();
  }
  torch::NoGradGuard no_grad;
  built.model->eval();
  EXPECT_EQ(built.model->forward(torch::randn({3, 2, 3, 16, 16})).sizes(), (std::vector<int64_t>{3, 3}));
}

// Evaluation with head.text.ensemble = "probabilities" (the default): ActionCLIP's mean over
// templates of each template's softmax; training (and "embeddings") the mean class embedding.
TEST(ActionClipTemplates, EvaluationAveragesEachTemplatesProbabilities) {
  const config::ExperimentConfig config = text_head_config();
  ASSERT_EQ(config.finetune.head.text.ensemble, "probabilities");
  BuiltClassifier built = build_video_classifier(config, kClasses, "", /*seed=*/4);
  VideoClassifier& model = built.model;
  torch::Tensor templates;
  for (const auto& item : model->named_buffers()) {
    if (item.key() == "template_embeddings") templates = item.value();
  }
  ASSERT_TRUE(templates.defined());
  ASSERT_EQ(templates.sizes(), (std::vector<int64_t>{3, 3, 8}));
  torch::NoGradGuard no_grad;
  const torch::Tensor clip = torch::randn({2, 2, 3, 16, 16});
  const torch::Tensor fused = model->adapter()->forward({model->backbone()->frame_embeddings(clip)});
  torch::Tensor mean_probabilities = torch::zeros({2, 3});
  for (int64_t k = 0; k < 3; ++k) {
    mean_probabilities += torch::softmax(model->match_text(fused, templates.select(1, k)), 1) / 3.0;
  }
  model->eval();
  const torch::Tensor scores = model->forward(clip);
  EXPECT_TRUE(torch::allclose(torch::softmax(scores, 1), mean_probabilities, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(scores, torch::log(mean_probabilities), 1e-4, 1e-5));
  // The class embeddings are the normalised mean of the templates'; training scores against them.
  const torch::Tensor mean = torch::nn::functional::normalize(templates.mean(1),
                                                              torch::nn::functional::NormalizeFuncOptions().dim(-1));
  EXPECT_TRUE(torch::allclose(model->step_class_embeddings({0, 0, 0}), mean, 1e-6, 1e-6));
  model->train();
  EXPECT_TRUE(torch::allclose(model->forward(clip), model->match_text(fused, mean), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(torch::softmax(model->forward(clip), 1), mean_probabilities, 1e-4, 1e-4));
}

TEST(ActionClipTextEncoder, TrainedWithPerStepTemplatesAndClassEmbeddingsFollowIt) {
  config::ExperimentConfig config = text_head_config();
  config.finetune.head.text.train_encoder = true;
  BuiltClassifier built = build_video_classifier(config, kClasses, "", /*seed=*/2);
  VideoClassifier& model = built.model;
  ASSERT_TRUE(model->trains_text_encoder());
  size_t text_parameters = 0;
  for (const auto& item : model->named_parameters()) text_parameters += is_text_encoder_parameter(item.key()) ? 1 : 0;
  EXPECT_GT(text_parameters, 0u);

  // Different templates give different class embeddings; the stored ones are their mean.
  const torch::Tensor first = model->step_class_embeddings({0, 0, 0});
  const torch::Tensor second = model->step_class_embeddings({1, 1, 1});
  EXPECT_FALSE(torch::allclose(first, second, 1e-4, 1e-4));
  const torch::Tensor stored = model->forward(torch::zeros({1, 2, 3, 16, 16})).detach();

  // A step on a loss through the text side moves the text encoder, and refreshing
  // the class embeddings changes the model's scores.
  config::FinetuneOptimConfig optim;
  auto optimizer = make_adamw(*model, std::vector<double>{0.0, 0.0, 1e-2}, optim, [](const std::string& name) -> size_t {
    return is_text_encoder_parameter(name) ? 2 : 0;
  });
  const torch::Tensor clip = torch::randn({4, 2, 3, 16, 16});
  const torch::Tensor labels = torch::tensor({0, 1, 2, 0}, torch::kLong);
  const torch::Tensor logits = model->match_text(model->video_embedding(clip), model->step_class_embeddings({2, 0, 1}));
  const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
  optimizer->zero_grad();
  loss.backward();
  for (const auto& item : model->named_parameters()) {
    if (is_text_encoder_parameter(item.key()) && item.key().find("token_embedding") == std::string::npos) {
      EXPECT_TRUE(item.value().grad().defined() && item.value().grad().abs().sum().item<double>() > 0) << item.key();
    }
  }
  optimizer->step();
  model->refresh_class_embeddings();
  model->eval();
  const torch::Tensor after = model->forward(torch::zeros({1, 2, 3, 16, 16})).detach();
  EXPECT_FALSE(torch::allclose(stored, after, 1e-6, 1e-6));
}

}  // namespace
}  // namespace dap
