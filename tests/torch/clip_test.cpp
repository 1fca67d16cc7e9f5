// CLIP visual and text towers against an independent python3-torch reference
// (tests/python/ref_clip.py: torch.nn.MultiheadAttention, random weights, a
// tiny and a medium size), loaded from a torch.save state dict, the same saved
// on 'cuda:0', and a traced TorchScript archive like OpenAI's ViT-B-16.pt.
//
// Tolerance (float32 throughout): max|actual - expected| <= 1e-4 * max|expected| + 1e-5.
// The measured relative error max|a - e| / max|e| is printed for each output.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/clip_text.h"
#include "core/models/clip_visual.h"
#include "core/models/clip_weights.h"
#include "core/models/torch_checkpoint.h"
#include "support/input_error.h"
#include "support/test_paths.h"

namespace dap {
namespace {

constexpr double kRelativeTolerance = 1e-4;
constexpr double kAbsoluteFloor = 1e-5;
const char* const kSizes[] = {"tiny", "medium"};

// Compares with the tolerance above and prints the measured relative error.
void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, const std::string& what) {
  ASSERT_TRUE(actual.defined()) << what << " is undefined";
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double diff = (actual.to(torch::kDouble) - expected.to(torch::kDouble)).abs().max().item<double>();
  const double scale = expected.abs().max().item<double>();
  EXPECT_LE(diff, kRelativeTolerance * scale + kAbsoluteFloor) << what << ": max abs diff " << diff;
  std::cout << "  " << what << ": max |a-b| / max |b| = " << diff / scale << std::endl;
}

// The python reference writes its fixtures once per test process.
class ClipReferenceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>();
    setup_error_ = testing::run_python_reference("ref_clip.py", "'" + dir_->path() + "'");
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static std::string file(const std::string& size, const std::string& suffix) {
    return dir_->file(size + "_" + suffix);
  }
  static StateDict reference(const std::string& size) { return load_torch_state_dict(file(size, "reference.pt")); }
  static int64_t ref_int(const StateDict& ref, const std::string& key) { return ref.at(key).item<int64_t>(); }

  // The towers from `weights`, with the heads the reference used (heads are
  // not stored in weights, and these sizes do not use CLIP's width / 64).
  static ClipVisual visual_from(const StateDict& weights, const StateDict& ref, const std::string& name) {
    return build_clip_visual(weights, name, ref_int(ref, "config.visual.heads"));
  }
  static ClipText text_from(const StateDict& weights, const StateDict& ref, const std::string& name) {
    return build_clip_text(weights, name, ref_int(ref, "config.text.heads"));
  }

  // Every reference output of one size, from weights in `format`.
  static void expect_matches_reference(const std::string& size, const std::string& format) {
    SCOPED_TRACE(size + " " + format);
    std::cout << size << " from " << format << ":" << std::endl;
    const StateDict ref = reference(size);
    const std::string path = file(size, format);
    const StateDict weights = load_clip_weights(path);
    ClipVisual visual = visual_from(weights, ref, path);
    ClipText text = text_from(weights, ref, path);
    torch::NoGradGuard no_grad;

    const ClipVisualOutput out = visual->forward(ref.at("clip"), /*with_layer_cls=*/true);
    expect_close(out.embedding, ref.at("embedding"), "visual embedding");
    expect_close(out.layer_cls, ref.at("layer_cls"), "per-layer CLS");
    expect_close(out.patch_tokens, ref.at("patch_tokens"), "patch tokens");
    expect_close(visual->forward(ref.at("clip_resized")).embedding, ref.at("embedding_resized"),
                 "visual embedding, interpolated positions");
    expect_close(text->forward(ref.at("tokens")), ref.at("text_features"), "text features");
  }

  static std::unique_ptr<testing::TempDir> dir_;
  static std::string setup_error_;
};
std::unique_ptr<testing::TempDir> ClipReferenceTest::dir_;
std::string ClipReferenceTest::setup_error_;

TEST_F(ClipReferenceTest, StateDictMatchesReference) {
  for (const char* size : kSizes) expect_matches_reference(size, "weights.pt");
}

TEST_F(ClipReferenceTest, CudaSavedStateDictMatchesReference) {
  for (const char* size : kSizes) expect_matches_reference(size, "weights_cuda.pt");
}

TEST_F(ClipReferenceTest, TorchScriptArchiveMatchesReference) {
  for (const char* size : kSizes) {
    expect_matches_reference(size, "jit.pt");
    // The archive holds exactly the state dict's entries, extras included.
    const StateDict from_archive = load_clip_weights(file(size, "jit.pt"));
    const StateDict from_state_dict = load_clip_weights(file(size, "weights.pt"));
    ASSERT_EQ(from_archive.size(), from_state_dict.size());
    for (const auto& [name, tensor] : from_state_dict) {
      ASSERT_TRUE(from_archive.count(name)) << name;
      EXPECT_TRUE(torch::equal(from_archive.at(name), tensor)) << name;
    }
  }
}

TEST_F(ClipReferenceTest, Fp16ArchiveLoadsAsFloat32) {
  const StateDict half = load_clip_weights(file("tiny", "jit_fp16.pt"));
  const StateDict full = load_clip_weights(file("tiny", "weights.pt"));
  ASSERT_EQ(half.size(), full.size());
  for (const auto& [name, tensor] : full) {
    const torch::Tensor& loaded = half.at(name);
    if (!tensor.is_floating_point()) {
      EXPECT_TRUE(torch::equal(loaded, tensor)) << name;  // input_resolution etc. stay integers
      continue;
    }
    EXPECT_EQ(loaded.scalar_type(), torch::kFloat) << name;
    EXPECT_TRUE(torch::equal(loaded, tensor.to(torch::kHalf).to(torch::kFloat))) << name;
  }
  // And the towers run on them in float32.
  const StateDict ref = reference("tiny");
  ClipVisual visual = visual_from(half, ref, "tiny_jit_fp16.pt");
  torch::NoGradGuard no_grad;
  EXPECT_EQ(visual->forward(ref.at("clip")).embedding.scalar_type(), torch::kFloat);
}

TEST_F(ClipReferenceTest, ConfigIsInferredFromShapes) {
  for (const char* size : kSizes) {
    SCOPED_TRACE(size);
    const StateDict ref = reference(size);
    const StateDict weights = load_clip_weights(file(size, "weights.pt"));
    const int64_t v_heads = ref_int(ref, "config.visual.heads"), t_heads = ref_int(ref, "config.text.heads");

    const ClipVisualConfig v = infer_clip_visual_config(weights, "w.pt", v_heads);
    EXPECT_EQ(v.image_size, ref_int(ref, "config.visual.image_size"));
    EXPECT_EQ(v.patch_size, ref_int(ref, "config.visual.patch_size"));
    EXPECT_EQ(v.width, ref_int(ref, "config.visual.width"));
    EXPECT_EQ(v.layers, ref_int(ref, "config.visual.layers"));
    EXPECT_EQ(v.heads, v_heads);
    EXPECT_EQ(v.output_dim, ref_int(ref, "config.visual.output_dim"));
    // Without an override, heads = width / 64 as CLIP's build_model.
    EXPECT_EQ(infer_clip_visual_config(weights, "w.pt").heads, std::max<int64_t>(1, v.width / 64));

    const ClipTextConfig t = infer_clip_text_config(weights, "w.pt", t_heads);
    EXPECT_EQ(t.vocab_size, ref_int(ref, "config.text.vocab_size"));
    EXPECT_EQ(t.context_length, ref_int(ref, "config.text.context_length"));
    EXPECT_EQ(t.width, ref_int(ref, "config.text.width"));
    EXPECT_EQ(t.layers, ref_int(ref, "config.text.layers"));
    EXPECT_EQ(t.heads, t_heads);
    EXPECT_EQ(t.embed_dim, ref_int(ref, "config.text.embed_dim"));
  }
  EXPECT_NEAR(clip_logit_scale(load_clip_weights(file("tiny", "weights.pt")), "w.pt"), std::log(1 / 0.07), 1e-6);
}

TEST_F(ClipReferenceTest, WrongWeightsNameEveryBadKey) {
  const std::string path = file("tiny", "weights.pt");
  StateDict weights = load_clip_weights(path);
  const ClipVisualConfig v_config = infer_clip_visual_config(weights, path, 2);
  const ClipTextConfig t_config = infer_clip_text_config(weights, path, 2);

  weights.erase("visual.ln_post.bias");                        // missing
  weights["visual.proj"] = torch::zeros({64, 31});             // mis-shaped
  weights["visual.transformer.resblocks.7.ln_1.weight"] = torch::zeros({64});  // unexpected
  weights.erase("ln_final.bias");
  weights["text_projection"] = torch::zeros({32, 5});
  ClipVisual visual(v_config);
  const std::string v_error = testing::input_error_of([&] { load_clip_visual(visual, weights, path); });
  EXPECT_NE(v_error.find(path), std::string::npos) << v_error;
  EXPECT_NE(v_error.find("missing key 'visual.ln_post.bias'"), std::string::npos) << v_error;
  EXPECT_NE(v_error.find("'visual.proj' has shape [64, 31], expected [64, 32]"), std::string::npos) << v_error;
  EXPECT_NE(v_error.find("unexpected key 'visual.transformer.resblocks.7.ln_1.weight'"), std::string::npos)
      << v_error;
  EXPECT_EQ(v_error.find("ln_final"), std::string::npos) << "text keys are not the visual tower's: " << v_error;

  ClipText text(t_config);
  const std::string t_error = testing::input_error_of([&] { load_clip_text(text, weights, path); });
  EXPECT_NE(t_error.find("missing key 'ln_final.bias'"), std::string::npos) << t_error;
  EXPECT_NE(t_error.find("'text_projection' has shape [32, 5], expected [32, 32]"), std::string::npos) << t_error;
  EXPECT_EQ(t_error.find("visual."), std::string::npos) << "visual keys are not the text tower's: " << t_error;

  // Inference from a file that is not CLIP names what it looked for.
  const std::string i_error = testing::input_error_of([&] { infer_clip_visual_config(select_prefix(weights, "visual."), path); });
  EXPECT_NE(i_error.find("missing key 'visual.conv1.weight'"), std::string::npos) << i_error;
  EXPECT_NE(i_error.find("no residual blocks"), std::string::npos) << i_error;
}

// ---- Module behaviour that needs no reference ----------------------------

ClipVisualConfig tiny_visual() {
  ClipVisualConfig c;
  c.image_size = 32, c.patch_size = 8, c.width = 64, c.layers = 2, c.heads = 2, c.output_dim = 32;
  return c;
}

TEST(ClipModuleTest, ParameterNamesAreOpenAIKeys) {
  ClipVisual visual(tiny_visual());
  const auto params = visual->named_parameters();
  ASSERT_TRUE(params.contains("transformer.resblocks.1.attn.in_proj_weight"));
  EXPECT_EQ(params["transformer.resblocks.1.attn.in_proj_weight"].sizes(), torch::IntArrayRef({192, 64}));
  EXPECT_EQ(params["positional_embedding"].sizes(), torch::IntArrayRef({17, 64}));
  for (const char* key : {"conv1.weight", "class_embedding", "proj", "ln_pre.bias", "ln_post.weight",
                          "transformer.resblocks.0.attn.out_proj.bias", "transformer.resblocks.0.mlp.c_fc.weight",
                          "transformer.resblocks.0.mlp.c_proj.bias", "transformer.resblocks.0.ln_2.weight"})
    EXPECT_TRUE(params.contains(key)) << key;
  EXPECT_EQ(visual->named_buffers().size(), 0u);  // nothing beyond OpenAI's keys
}

TEST(ClipModuleTest, TapsAreOptionalAndTrainedSizeIsNotInterpolated) {
  ClipVisual visual(tiny_visual());
  torch::NoGradGuard no_grad;
  const ClipVisualOutput out = visual->forward(torch::randn({2, 3, 3, 32, 32}));
  EXPECT_FALSE(out.layer_cls.defined());
  EXPECT_EQ(out.embedding.sizes(), torch::IntArrayRef({2, 3, 32}));
  EXPECT_EQ(out.patch_tokens.sizes(), torch::IntArrayRef({2, 3, 4, 4, 64}));
  EXPECT_TRUE(visual->positional_embedding_for(4, 4).is_same(visual->named_parameters()["positional_embedding"]));
  EXPECT_EQ(visual->positional_embedding_for(6, 5).sizes(), torch::IntArrayRef({31, 64}));
  EXPECT_THROW(visual->forward(torch::randn({3, 3, 32, 32})), Error);  // frames axis missing
}

TEST(ClipModuleTest, CausalMaskBlocksLaterTokens) {
  const torch::Tensor mask = causal_attention_mask(3);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(torch::equal(mask, torch::tensor({0.f, -inf, -inf, 0.f, 0.f, -inf, 0.f, 0.f, 0.f}).view({3, 3})));
}

TEST(ClipModuleTest, DefaultsAreViTB16AndItsTextEncoder) {
  const ClipVisualConfig v;
  EXPECT_EQ(std::vector<int64_t>({v.image_size, v.patch_size, v.width, v.layers, v.heads, v.output_dim}),
            std::vector<int64_t>({224, 16, 768, 12, 12, 512}));
  const ClipTextConfig t;
  EXPECT_EQ(std::vector<int64_t>({t.vocab_size, t.context_length, t.width, t.layers, t.heads, t.embed_dim}),
            std::vector<int64_t>({49408, 77, 512, 12, 8, 512}));
  // visit() serves the config printer too.
  EXPECT_NE(config::config_to_lua(v).find("patch_size = 16"), std::string::npos) << config::config_to_lua(v);
}

// A module's own weights, under OpenAI's names, give back its sizes.
TEST(ClipModuleTest, InferenceRoundTripsAModulesWeights) {
  ClipVisualConfig v;
  v.image_size = 48, v.patch_size = 16, v.width = 128, v.layers = 3, v.heads = 2, v.output_dim = 16;
  ClipTextConfig t;
  t.vocab_size = 50, t.context_length = 10, t.width = 64, t.layers = 2, t.heads = 1, t.embed_dim = 16;
  ClipVisual visual(v);
  ClipText text(t);
  StateDict weights = {{"logit_scale", torch::tensor(2.5)}};
  for (const auto& item : visual->named_parameters()) weights["visual." + item.key()] = item.value();
  for (const auto& item : text->named_parameters()) weights[item.key()] = item.value();

  // Heads left to the default: width / 64, as these configs were chosen.
  const ClipVisualConfig vi = infer_clip_visual_config(weights, "w.pt");
  EXPECT_EQ(std::vector<int64_t>({vi.image_size, vi.patch_size, vi.width, vi.layers, vi.heads, vi.output_dim}),
            std::vector<int64_t>({48, 16, 128, 3, 2, 16}));
  const ClipTextConfig ti = infer_clip_text_config(weights, "w.pt");
  EXPECT_EQ(std::vector<int64_t>({ti.vocab_size, ti.context_length, ti.width, ti.layers, ti.heads, ti.embed_dim}),
            std::vector<int64_t>({50, 10, 64, 2, 1, 16}));

  ClipVisual loaded = build_clip_visual(weights, "w.pt");
  for (const auto& item : visual->named_parameters())
    EXPECT_TRUE(torch::equal(loaded->named_parameters()[item.key()], item.value())) << item.key();
  EXPECT_FALSE(loaded->is_training());
  EXPECT_DOUBLE_EQ(clip_logit_scale(weights, "w.pt"), 2.5);
}

TEST(ClipModuleTest, BadSizesAreConfigErrors) {
  ClipVisualConfig c = tiny_visual();
  c.heads = 3;
  EXPECT_THROW(ClipVisual{c}, ConfigError);
  ClipTextConfig t;
  t.width = 30, t.heads = 4;
  EXPECT_THROW(ClipText{t}, ConfigError);
}

}  // namespace
}  // namespace dap
