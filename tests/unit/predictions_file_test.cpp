// predictions.h5: round trip, atomic write, refusal of other formats and of
// inconsistent shapes (errors naming the file), and readability by h5py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/base/error.h"
#include "core/io/hdf5_handle.h"
#include "core/results/predictions_file.h"
#include "support/input_error.h"
#include "support/test_paths.h"

namespace dap {
namespace {

Predictions sample() {
  Predictions p;
  p.video_ids = {"Drink/Drink_1_1", "Jump/Jump_2_3", "Pick/Pick_ü_1"};
  p.class_names = {"Drink", "Jump"};
  p.labels = {0, 1, -1};
  p.scores = {2.5f, -1.0f, 0.25f, 3.0f, 1e-3f, -7.5f};
  p.domains = {"A11", "A11", "H51"};
  p.config = "return { seed = 1 }";
  p.model = "CLIP ViT-B/16 + PAB, checkpoint step 100";
  return p;
}

// An HDF5 file with the given format attributes and otherwise valid contents.
void write_raw(const std::string& path, const std::string& format, int64_t version, const std::vector<hsize_t>& dims) {
  h5::disable_auto_error_printing();
  h5::Handle file = h5::check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate");
  h5::write_string_attribute(file.get(), "format", format);
  h5::write_int_attribute(file.get(), "format_version", version);
  h5::write_strings(file.get(), "video_ids", {"a", "b"});
  h5::write_strings(file.get(), "class_names", {"x", "y", "z"});
  h5::write_vector(file.get(), "labels", std::vector<int32_t>{0, 2});
  std::vector<float> scores(dims[0] * dims[1], 0.5f);
  h5::write_float_array(file.get(), "scores", dims, scores.data());
}

TEST(PredictionsFile, RoundTripKeepsEverything) {
  testing::TempDir dir;
  const Predictions p = sample();
  write_predictions(dir.file("predictions.h5"), p);
  EXPECT_FALSE(std::filesystem::exists(dir.file("predictions.h5.tmp")));
  const Predictions back = read_predictions(dir.file("predictions.h5"));
  EXPECT_EQ(back.video_ids, p.video_ids);
  EXPECT_EQ(back.class_names, p.class_names);
  EXPECT_EQ(back.labels, p.labels);
  EXPECT_EQ(back.scores, p.scores);
  EXPECT_EQ(back.domains, p.domains);
  EXPECT_EQ(back.config, p.config);
  EXPECT_EQ(back.model, p.model);
  EXPECT_NE(back.producer.find("dap"), std::string::npos) << back.producer;
  EXPECT_EQ(back.size(), 3);
  EXPECT_EQ(back.num_classes(), 2);
  EXPECT_FLOAT_EQ(back.row(1)[1], 3.0f);
}

TEST(PredictionsFile, DomainsAreOptionalAndEmptyVideoListsWork) {
  testing::TempDir dir;
  Predictions p = sample();
  p.domains.clear();
  write_predictions(dir.file("a.h5"), p);
  EXPECT_TRUE(read_predictions(dir.file("a.h5")).domains.empty());

  Predictions none;
  none.class_names = {"only"};
  write_predictions(dir.file("b.h5"), none);
  const Predictions back = read_predictions(dir.file("b.h5"));
  EXPECT_EQ(back.size(), 0);
  EXPECT_EQ(back.class_names, none.class_names);
}

TEST(PredictionsFile, RefusesAnotherFormatOrVersionNamingBoth) {
  testing::TempDir dir;
  write_raw(dir.file("shard.h5"), "dap-shard", 1, {2, 3});
  const std::string message = testing::input_error_of([&] { read_predictions(dir.file("shard.h5")); });
  EXPECT_NE(message.find("shard.h5"), std::string::npos) << message;
  EXPECT_NE(message.find("\"dap-shard\" version 1"), std::string::npos) << message;
  EXPECT_NE(message.find("\"dap-predictions\" version 1"), std::string::npos) << message;

  write_raw(dir.file("v2.h5"), "dap-predictions", 2, {2, 3});
  const std::string v2 = testing::input_error_of([&] { read_predictions(dir.file("v2.h5")); });
  EXPECT_NE(v2.find("v2.h5"), std::string::npos) << v2;
  EXPECT_NE(v2.find("\"dap-predictions\" version 2"), std::string::npos) << v2;

  write_raw(dir.file("ok.h5"), "dap-predictions", 1, {2, 3});
  EXPECT_EQ(read_predictions(dir.file("ok.h5")).num_classes(), 3);
}

TEST(PredictionsFile, RefusesInconsistentShapesNamingTheFile) {
  testing::TempDir dir;
  write_raw(dir.file("bad.h5"), "dap-predictions", 1, {2, 2});
  const std::string message = testing::input_error_of([&] { read_predictions(dir.file("bad.h5")); });
  EXPECT_NE(message.find("bad.h5"), std::string::npos) << message;
  EXPECT_NE(message.find("scores has shape [2,2], expected [2,3]"), std::string::npos) << message;
}

TEST(PredictionsFile, MissingOrNonHdf5FilesAreInputErrors) {
  testing::TempDir dir;
  std::ofstream(dir.file("text.h5")) << "not hdf5";
  EXPECT_NE(testing::input_error_of([&] { read_predictions(dir.file("text.h5")); }).find("text.h5"),
            std::string::npos);
  EXPECT_NE(testing::input_error_of([&] { read_predictions(dir.file("absent.h5")); }).find("absent.h5"),
            std::string::npos);
}

TEST(PredictionsFile, WriteRefusesInconsistentPredictionsNamingTheFile) {
  testing::TempDir dir;
  Predictions p = sample();
  p.scores.pop_back();
  try {
    write_predictions(dir.file("out.h5"), p);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("out.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scores has 5 values"), std::string::npos) << e.what();
  }
  p = sample();
  p.labels[0] = 2;  // only 2 classes
  EXPECT_THROW(write_predictions(dir.file("out.h5"), p), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5.tmp")));
}

TEST(PredictionsFile, H5pyReadsItWithoutPlugins) {
  if (!std::getenv("DAP_SOURCE_DIR")) GTEST_SKIP() << "DAP_SOURCE_DIR is not set (run through ctest)";
  testing::TempDir dir;
  write_predictions(dir.file("predictions.h5"), sample());
  const std::string script =
      "import h5py, numpy as np, sys\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "assert f.attrs['format'] == 'dap-predictions', f.attrs['format']\n"
      "assert int(f.attrs['format_version']) == 1\n"
      "assert f.attrs['model'].startswith('CLIP ViT-B/16')\n"
      "assert list(f['video_ids'].asstr()[:]) == ['Drink/Drink_1_1', 'Jump/Jump_2_3', 'Pick/Pick_\\u00fc_1']\n"
      "assert list(f['class_names'].asstr()[:]) == ['Drink', 'Jump']\n"
      "assert list(f['domains'].asstr()[:]) == ['A11', 'A11', 'H51']\n"
      "assert f['labels'].dtype == np.int32 and list(f['labels'][:]) == [0, 1, -1]\n"
      "s = f['scores'][:]\n"
      "assert s.dtype == np.float32 and s.shape == (3, 2), (s.dtype, s.shape)\n"
      "assert s[1, 1] == 3.0 and s[2, 1] == -7.5\n";
  {
    std::ofstream(dir.file("check.py")) << script;
  }
  const std::string command = "/usr/bin/python3 " + dir.file("check.py") + " " + dir.file("predictions.h5");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace dap
