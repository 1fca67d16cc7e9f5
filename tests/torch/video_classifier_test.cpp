// Where an adaptation block can come from (finetune.init_adapter, pretrain.init_adapter):
// dap-pretrain's adapter.pt and the adaptation block inside a dap-finetune model.pt load
// with every tensor equal to the stored one; a missing file or one without an adaptation
// block is an InputError naming the key.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/base/error.h"
#include "core/config/experiment_config.h"
#include "core/models/adapter_file.h"
#include "core/models/video_classifier.h"
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

}  // namespace
}  // namespace dap
