// SCI enhancer: parity with the authors' published output (golden pair),
// with an independent python3-torch reference (tests/python/sci_reference.py),
// loading of the three official weight files, and wrong-file errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "core/base/error.h"
#include "core/io/png_image.h"
#include "core/io/sha256.h"
#include "core/models/sci_enhancer.h"
#include "core/models/sci_net.h"
#include "core/models/torch_checkpoint.h"
#include "support/test_paths.h"

namespace dap {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kOfficialWeights = {"easy.pt", "medium.pt", "difficult.pt"};

// Agreement of two uint8 buffers of equal size.
struct Agreement {
  double exact = 0;    // fraction of values equal
  double within1 = 0;  // fraction of values at most 1 apart
  int max_diff = 0;
  size_t differing = 0;  // values not equal
  size_t total = 0;
};

Agreement compare(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t exact = 0, within1 = 0;
  Agreement result;
  for (size_t i = 0; i < a.size(); ++i) {
    const int diff = std::abs(int(a[i]) - int(b[i]));
    exact += diff == 0;
    within1 += diff <= 1;
    result.max_diff = std::max(result.max_diff, diff);
  }
  result.differing = a.size() - exact;
  result.total = a.size();
  result.exact = double(exact) / a.size();
  result.within1 = double(within1) / a.size();
  return result;
}

void report(const std::string& what, const Agreement& a) {
  std::cout << what << ": exact " << a.exact * 100 << "%, within 1 LSB " << a.within1 * 100
            << "%, max abs diff " << a.max_diff << " (" << a.differing << " of " << a.total
            << " values differ)" << std::endl;
}

class SciTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* assets = std::getenv("DAP_ASSETS_DIR");
    ASSERT_TRUE(assets && fs::is_regular_file(fs::path(assets) / "sci" / "easy.pt"))
        << "SCI assets not found: DAP_ASSETS_DIR=" << (assets ? assets : "(unset)")
        << " has no sci/easy.pt; run scripts/fetch_assets.sh (ctest sets DAP_ASSETS_DIR)";
    sci_dir_ = fs::path(assets) / "sci";
  }
  std::string asset(const std::string& name) const { return (sci_dir_ / name).string(); }

  fs::path sci_dir_;
};

TEST_F(SciTest, ReproducesTheAuthorsOutputForEasy0528) {
  const RgbImage input = read_png(asset("golden_input_easy_0528.png"));
  const RgbImage golden = read_png(asset("golden_output_easy_0528.png"));
  ASSERT_EQ(input.width, golden.width);
  ASSERT_EQ(input.height, golden.height);

  std::vector<uint8_t> output(input.pixels.size());
  make_sci_enhancer(asset("easy.pt"), /*batch_size=*/1)
      ->enhance(input.pixels.data(), 1, input.height, input.width, output.data());

  const Agreement agreement = compare(output, golden.pixels);
  report("SCI easy/0528 vs authors' output", agreement);
  RecordProperty("exact_fraction", std::to_string(agreement.exact));
  RecordProperty("max_abs_diff", agreement.max_diff);
  EXPECT_GE(agreement.within1, 0.9999);
}

TEST_F(SciTest, LoadsTheThreeOfficialWeightFiles) {
  for (const std::string& name : kOfficialWeights) {
    SCOPED_TRACE(name);
    const StateDict state = load_torch_state_dict(asset(name));
    // The authors' ModuleList alias and the named block are one storage in the file.
    EXPECT_TRUE(state.at("enhance.blocks.0.0.weight").storage().is_alias_of(state.at("enhance.conv.0.weight").storage()));
    SciNet net = load_sci_net(asset(name));
    EXPECT_EQ(net->channels(), 3);
    EXPECT_FALSE(net->is_training());
    auto enhancer = make_sci_enhancer(asset(name), 4);
    EXPECT_EQ(enhancer->name(), "sci");
    EXPECT_EQ(enhancer->weights_sha256(), sha256_file(asset(name)));
  }
}

TEST_F(SciTest, WrongWeightsNameEveryBadKey) {
  StateDict state = load_torch_state_dict(asset("easy.pt"));
  state.erase("enhance.conv.1.running_var");
  state["enhance.out_conv.0.bias"] = torch::zeros({4});
  state["enhance.extra.weight"] = torch::zeros({1});
  try {
    sci_net_from_state_dict(state, "broken.pt");
    FAIL() << "no error for a broken state dict";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("broken.pt"), std::string::npos) << message;
    EXPECT_NE(message.find("missing key 'enhance.conv.1.running_var'"), std::string::npos) << message;
    EXPECT_NE(message.find("'enhance.out_conv.0.bias' has shape [4], expected [3]"), std::string::npos) << message;
    EXPECT_NE(message.find("unexpected key 'enhance.extra.weight'"), std::string::npos) << message;
  }
  // A file of another model: everything is reported missing.
  const StateDict other = {{"fc.weight", torch::zeros({2, 2})}};
  try {
    sci_net_from_state_dict(other, "other.pt");
    FAIL() << "no error for a non-SCI state dict";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing key 'enhance.in_conv.0.weight' [3, 3, 3, 3]"), std::string::npos)
        << e.what();
  }
}

TEST_F(SciTest, RejectsInvalidArguments) {
  EXPECT_THROW(make_sci_enhancer(asset("easy.pt"), 0), Error);
  EXPECT_THROW(make_sci_enhancer(asset("no_such_file.pt"), 1), InputError);
}

// A random clip: a few frames at full range, the rest dark as in ARID.
std::vector<uint8_t> random_clip(int n, int h, int w) {
  std::mt19937 rng(528);
  std::vector<uint8_t> clip(size_t(n) * h * w * 3);
  const size_t frame = size_t(h) * w * 3;
  for (size_t i = 0; i < clip.size(); ++i) {
    const int ceiling = (i / frame) % 2 == 0 ? 255 : 40;
    clip[i] = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, ceiling)(rng));
  }
  return clip;
}

TEST_F(SciTest, MatchesTheIndependentPythonReference) {
  const int n = 5, h = 37, w = 53;  // odd sizes; 5 frames in batches of 2 leave a remainder
  const std::vector<uint8_t> clip = random_clip(n, h, w);

  std::string dir_template = (fs::temp_directory_path() / "dap_sci_test_XXXXXX").string();
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
  const fs::path dir = dir_template;
  const fs::path in_path = dir / "clip.raw", out_path = dir / "reference.raw";
  std::ofstream(in_path, std::ios::binary).write(reinterpret_cast<const char*>(clip.data()), clip.size());

  for (const std::string& name : kOfficialWeights) {
    SCOPED_TRACE(name);
    const std::string args = "'" + asset(name) + "' '" + in_path.string() + "' '" + out_path.string() + "' " +
                             std::to_string(n) + " " + std::to_string(h) + " " + std::to_string(w);
    ASSERT_EQ(testing::run_python_reference("sci_reference.py", args), "");
    std::vector<uint8_t> reference(clip.size());
    std::ifstream in(out_path, std::ios::binary);
    ASSERT_TRUE(in.read(reinterpret_cast<char*>(reference.data()), reference.size())) << "short reference output";

    std::vector<uint8_t> output(clip.size());
    make_sci_enhancer(asset(name), /*batch_size=*/2)->enhance(clip.data(), n, h, w, output.data());
    const Agreement agreement = compare(output, reference);
    report("SCI " + name + " vs python reference", agreement);
    EXPECT_GE(agreement.within1, 0.9999);
  }
  fs::remove_all(dir);
}

TEST_F(SciTest, BatchSizeDoesNotChangeTheOutput) {
  const int n = 5, h = 24, w = 40;
  const std::vector<uint8_t> clip = random_clip(n, h, w);
  std::vector<uint8_t> one_by_one(clip.size()), batched(clip.size());
  make_sci_enhancer(asset("easy.pt"), 1)->enhance(clip.data(), n, h, w, one_by_one.data());
  make_sci_enhancer(asset("easy.pt"), 8)->enhance(clip.data(), n, h, w, batched.data());
  const Agreement agreement = compare(one_by_one, batched);
  report("SCI batch 1 vs batch 8", agreement);
  EXPECT_GE(agreement.within1, 0.9999);
}

}  // namespace
}  // namespace dap
