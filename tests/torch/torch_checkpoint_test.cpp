// load_torch_state_dict on files written by Debian's python3-torch
// (tests/python/make_state_dict_fixtures.py writes them and expected.json),
// and check_state_dict / select_prefix.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/base/error.h"
#include "core/models/torch_checkpoint.h"
#include "support/input_error.h"

namespace dap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Python dtype names, as the fixture script writes them.
std::string dtype_name(torch::ScalarType type) {
  static const std::map<torch::ScalarType, std::string> names = {
      {torch::kFloat, "float32"}, {torch::kDouble, "float64"}, {torch::kHalf, "float16"},
      {torch::kBFloat16, "bfloat16"}, {torch::kLong, "int64"}, {torch::kInt, "int32"},
      {torch::kShort, "int16"}, {torch::kChar, "int8"}, {torch::kByte, "uint8"}, {torch::kBool, "bool"}};
  auto it = names.find(type);
  return it == names.end() ? "unknown" : it->second;
}

class TorchCheckpointTest : public ::testing::Test {
 protected:
  // The fixtures are written once per test process by the system python3-torch.
  static void SetUpTestSuite() {
    const char* source_dir = std::getenv("DAP_SOURCE_DIR");
    if (!source_dir) {
      setup_error_ = "DAP_SOURCE_DIR is not set; run the tests through ctest";
      return;
    }
    std::string dir_template = (fs::temp_directory_path() / "dap_checkpoint_test_XXXXXX").string();
    if (!mkdtemp(dir_template.data())) {
      setup_error_ = "cannot create a temporary directory";
      return;
    }
    dir_ = dir_template;
    const std::string command = "/usr/bin/python3 '" + std::string(source_dir) +
                                "/tests/python/make_state_dict_fixtures.py' '" + dir_.string() + "'";
    if (std::system(command.c_str()) != 0) {
      setup_error_ = "fixture script failed (needs Debian's python3-torch): " + command;
      return;
    }
    std::ifstream in(dir_ / "expected.json");
    expected_ = json::parse(in);
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static std::string fixture(const std::string& name) { return (dir_ / name).string(); }

  // Loads fixture `name` and compares every tensor with expected.json exactly:
  // dtype, shape, strides, storage offset, storage sharing and values.
  static void expect_fixture_matches(const std::string& name) {
    SCOPED_TRACE(name);
    const StateDict state = load_torch_state_dict(fixture(name));
    const json& expected = expected_.at(name);
    ASSERT_EQ(state.size(), expected.size());
    std::map<int64_t, torch::Tensor> by_storage;  // Python storage id -> first tensor on it
    for (const auto& [key, e] : expected.items()) {
      SCOPED_TRACE(key);
      auto it = state.find(key);
      ASSERT_NE(it, state.end()) << "key missing";
      const torch::Tensor& t = it->second;
      EXPECT_TRUE(t.device().is_cpu());
      EXPECT_EQ(dtype_name(t.scalar_type()), e.at("dtype").get<std::string>());
      EXPECT_EQ(t.sizes().vec(), e.at("shape").get<std::vector<int64_t>>());
      EXPECT_EQ(t.strides().vec(), e.at("stride").get<std::vector<int64_t>>());
      EXPECT_EQ(t.storage_offset(), e.at("storage_offset").get<int64_t>());
      if (t.is_floating_point()) {
        torch::Tensor values = t.to(torch::kDouble).contiguous().reshape({-1});
        std::vector<double> got(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
        EXPECT_EQ(got, e.at("values").get<std::vector<double>>());
      } else {
        torch::Tensor values = t.to(torch::kLong).contiguous().reshape({-1});
        std::vector<int64_t> got(values.data_ptr<int64_t>(), values.data_ptr<int64_t>() + values.numel());
        EXPECT_EQ(got, e.at("values").get<std::vector<int64_t>>());
      }
      if (t.storage().nbytes() == 0) continue;  // empty storages have no identity
      const int64_t storage_id = e.at("storage").get<int64_t>();
      for (const auto& [id, other] : by_storage)
        EXPECT_EQ(id == storage_id, t.storage().is_alias_of(other.storage())) << "storage sharing differs";
      by_storage.emplace(storage_id, t);
    }
  }

  static fs::path dir_;
  static json expected_;
  static std::string setup_error_;
};

fs::path TorchCheckpointTest::dir_;
json TorchCheckpointTest::expected_;
std::string TorchCheckpointTest::setup_error_;

TEST_F(TorchCheckpointTest, ReadsAllStorageDtypes) { expect_fixture_matches("plain.pt"); }

TEST_F(TorchCheckpointTest, ReadsPickleProtocol4) { expect_fixture_matches("plain_protocol4.pt"); }

TEST_F(TorchCheckpointTest, KeepsStridesOffsetsAndSharedStorages) {
  expect_fixture_matches("views.pt");
  const StateDict state = load_torch_state_dict(fixture("views.pt"));
  EXPECT_TRUE(state.at("base").storage().is_alias_of(state.at("transposed").storage()));
  EXPECT_TRUE(state.at("shared_a").storage().is_alias_of(state.at("shared_b").storage()));
}

TEST_F(TorchCheckpointTest, FlattensNestedDictsAndSkipsNonTensors) {
  expect_fixture_matches("nested.pt");
  const StateDict state = load_torch_state_dict(fixture("nested.pt"));
  std::vector<std::string> keys;
  for (const auto& item : state) keys.push_back(item.first);
  EXPECT_EQ(keys, (std::vector<std::string>{"model.sub.w", "state_dict.layer.bias", "state_dict.layer.weight"}));
}

TEST_F(TorchCheckpointTest, ReadsModuleStateDictsAndParameters) {
  expect_fixture_matches("module.pt");      // OrderedDict with _metadata (BUILD)
  expect_fixture_matches("parameters.pt");  // _rebuild_parameter
}

TEST_F(TorchCheckpointTest, BuildsCudaTaggedStoragesOnCpu) { expect_fixture_matches("cuda.pt"); }

TEST_F(TorchCheckpointTest, RejectsUnknownGlobalNamingItAndTheFile) {
  const std::string path = fixture("custom_class.pt");
  const std::string message = testing::input_error_of([&] { load_torch_state_dict(path); });
  EXPECT_NE(message.find("__main__.NotATensor"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST_F(TorchCheckpointTest, RejectsFilesThatAreNotArchives) {
  const std::string missing = fixture("does_not_exist.pt");
  EXPECT_NE(testing::input_error_of([&] { load_torch_state_dict(missing); }).find(missing), std::string::npos);
  const std::string not_zip = fixture("expected.json");
  const std::string message = testing::input_error_of([&] { load_torch_state_dict(not_zip); });
  EXPECT_NE(message.find(not_zip), std::string::npos) << message;
  EXPECT_NE(message.find("not a torch.save zip archive"), std::string::npos) << message;
}

// check_state_dict and select_prefix need no fixtures.

TEST(CheckStateDict, ListsEveryProblemInOneError) {
  const StateDict state = {{"a.weight", torch::zeros({2, 3})},
                           {"b.weight", torch::zeros({4})},
                           {"stray", torch::zeros({1})}};
  const std::vector<ExpectedTensor> expected = {{"a.weight", {2, 3}},
                                                {"b.weight", {5}},
                                                {"c.bias", {7}},
                                                {"d.count", {}, /*required=*/false}};
  const std::string message = testing::input_error_of([&] { check_state_dict(state, expected, "model.pt", false); });
  EXPECT_NE(message.find("model.pt"), std::string::npos) << message;
  EXPECT_NE(message.find("missing key 'c.bias' [7]"), std::string::npos) << message;
  EXPECT_NE(message.find("key 'b.weight' has shape [4], expected [5]"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected key 'stray'"), std::string::npos) << message;
  EXPECT_EQ(message.find("d.count"), std::string::npos) << "optional keys may be absent: " << message;
  EXPECT_EQ(message.find("'a.weight'"), std::string::npos) << message;

  const std::string tolerant = testing::input_error_of([&] { check_state_dict(state, expected, "model.pt", true); });
  EXPECT_EQ(tolerant.find("stray"), std::string::npos) << tolerant;
}

TEST(CheckStateDict, AcceptsAMatchingStateDict) {
  const StateDict state = {{"w", torch::zeros({2, 2})}, {"n", torch::zeros({}, torch::kLong)}};
  EXPECT_NO_THROW(check_state_dict(state, {{"w", {2, 2}}, {"n", {}}}, "ok.pt", false));
}

TEST(SelectPrefix, StripsThePrefixAndDropsOtherKeys) {
  const StateDict state = {{"enhance.conv.0.weight", torch::zeros({1})},
                           {"enhancer.x", torch::zeros({1})},
                           {"calibrate.conv.0.weight", torch::zeros({1})}};
  const StateDict selected = select_prefix(state, "enhance.");
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected.begin()->first, "conv.0.weight");
}

}  // namespace
}  // namespace dap
