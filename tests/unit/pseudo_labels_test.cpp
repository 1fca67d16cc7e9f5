// Pseudo-label selection (all, threshold, top-k per class, temperature) on a
// hand-made case, the id,label,confidence CSV, and accuracy against truth.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/base/error.h"
#include "finetune/pseudo_labels.h"
#include "support/input_error.h"
#include "support/test_paths.h"

namespace dap {
namespace {

// Logits are logs, so softmax gives the listed probabilities exactly (up to rounding):
//   v0 [.8 .1 .1] -> 0, 0.8      v1 [.05 .9 .05] -> 1, 0.9   v2 [.6 .2 .2] -> 0, 0.6
//   v3 [.1 .1 .8] -> 2, 0.8      v4 [.95 .025 .025] -> 0, 0.95   v5 [.2 .6 .2] -> 1, 0.6
// True labels: 0, 1, 1 (v2's pseudo-label is wrong), -1 (unknown), 0, 1.
Predictions sample() {
  Predictions p;
  p.video_ids = {"v0", "v1", "v2", "clip, 3", "v4", "v5"};
  p.class_names = {"drink", "jump", "pick"};
  p.labels = {0, 1, 1, -1, 0, 1};
  const std::vector<std::vector<double>> odds = {{8, 1, 1}, {1, 18, 1}, {6, 2, 2},
                                                 {1, 1, 8}, {19, .5, .5}, {1, 3, 1}};
  for (const auto& row : odds) {
    for (double o : row) p.scores.push_back(static_cast<float>(std::log(o)));
  }
  return p;
}

std::vector<std::string> ids_of(const std::vector<PseudoLabel>& labels) {
  std::vector<std::string> ids;
  for (const auto& l : labels) ids.push_back(l.video_id);
  return ids;
}

TEST(PseudoLabels, ThresholdKeepsConfidentVideosInVideoOrder) {
  PseudoLabelSettings s;
  s.threshold = 0.75;
  const auto chosen = select_pseudo_labels(sample(), s);
  EXPECT_EQ(ids_of(chosen), (std::vector<std::string>{"v0", "v1", "clip, 3", "v4"}));
  EXPECT_EQ(chosen[2].label, 2);
  EXPECT_NEAR(chosen[3].confidence, 0.95, 1e-6);
  EXPECT_EQ(chosen[3].label, 0);
}

TEST(PseudoLabels, AllKeepsEveryVideoWithItsTopClass) {
  PseudoLabelSettings s;
  s.mode = "all";
  const auto chosen = select_pseudo_labels(sample(), s);
  EXPECT_EQ(ids_of(chosen), (std::vector<std::string>{"v0", "v1", "v2", "clip, 3", "v4", "v5"}));
  EXPECT_EQ(chosen[2].label, 0);  // v2's wrong pseudo-label is kept too: no filtering
  EXPECT_NEAR(chosen[5].confidence, 0.6, 1e-6);
}

TEST(PseudoLabels, TemperatureSharpensOrFlattens) {
  PseudoLabelSettings s;
  s.threshold = 0.85;
  EXPECT_EQ(ids_of(select_pseudo_labels(sample(), s)), (std::vector<std::string>{"v1", "v4"}));
  s.temperature = 0.5;  // probabilities ~ odds^2: v0 64/66, v2 36/44 = 0.818
  const auto sharp = select_pseudo_labels(sample(), s);
  EXPECT_EQ(ids_of(sharp), (std::vector<std::string>{"v0", "v1", "clip, 3", "v4"}));
  EXPECT_NEAR(sharp[0].confidence, 64.0 / 66.0, 1e-6);
  s.temperature = 2.0;  // v4: sqrt(19) / (sqrt(19) + 2 sqrt(.5)) = 0.755
  EXPECT_TRUE(select_pseudo_labels(sample(), s).empty());
}

TEST(PseudoLabels, TopKPerClassTakesTheMostConfidentOfEachPredictedClass) {
  PseudoLabelSettings s;
  s.mode = "topk_per_class";
  s.k_per_class = 1;  // class 0: v4 (0.95) over v0 (0.8), v2; class 1: v1 over v5; class 2: only clip 3
  EXPECT_EQ(ids_of(select_pseudo_labels(sample(), s)), (std::vector<std::string>{"v1", "clip, 3", "v4"}));
  s.k_per_class = 2;
  const auto two = select_pseudo_labels(sample(), s);
  EXPECT_EQ(ids_of(two), (std::vector<std::string>{"v0", "v1", "clip, 3", "v4", "v5"}));
  EXPECT_EQ(two[4].label, 1);
}

TEST(PseudoLabels, AccuracyAgainstKnownLabels) {
  PseudoLabelSettings s;
  s.threshold = 0.5;  // all six
  const Predictions p = sample();
  const auto all = select_pseudo_labels(p, s);
  ASSERT_EQ(all.size(), 6u);
  const auto a = pseudo_label_accuracy(all, p.video_ids, p.labels);
  EXPECT_EQ(a.selected, 6);
  EXPECT_EQ(a.with_truth, 5);  // "clip, 3" is unlabeled
  EXPECT_EQ(a.correct, 4);     // v2 is wrong
  EXPECT_DOUBLE_EQ(a.accuracy, 80.0);
  EXPECT_TRUE(std::isnan(pseudo_label_accuracy(all, {}, {}).accuracy));
}

TEST(PseudoLabels, CsvRoundTripIsExact) {
  testing::TempDir dir;
  PseudoLabelSettings s;
  s.threshold = 0.5;
  const auto labels = select_pseudo_labels(sample(), s);
  write_pseudo_labels(dir.file("pseudo.csv"), labels);
  std::ifstream in(dir.file("pseudo.csv"));
  std::string header, first, second, third, fourth;
  std::getline(in, header);
  std::getline(in, first), std::getline(in, second), std::getline(in, third), std::getline(in, fourth);
  EXPECT_EQ(header, "id,label,confidence");
  EXPECT_EQ(first.substr(0, 7), "v0,0,0.");
  EXPECT_EQ(fourth.substr(0, 12), "\"clip, 3\",2,");  // the id is quoted: it holds a comma
  const auto back = read_pseudo_labels(dir.file("pseudo.csv"));
  ASSERT_EQ(back.size(), labels.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].video_id, labels[i].video_id);
    EXPECT_EQ(back[i].label, labels[i].label);
    EXPECT_EQ(back[i].confidence, labels[i].confidence);
  }
}

TEST(PseudoLabels, ReadErrorsNameFileAndLine) {
  testing::TempDir dir;
  std::ofstream(dir.file("bad.csv")) << "id,label,confidence\nv0,1,0.9\nv1,x,0.8\n";
  const std::string message = testing::input_error_of([&] { read_pseudo_labels(dir.file("bad.csv")); });
  EXPECT_NE(message.find("bad.csv:3"), std::string::npos) << message;
  std::ofstream(dir.file("header.csv")) << "path,label\na,1\n";
  EXPECT_NE(testing::input_error_of([&] { read_pseudo_labels(dir.file("header.csv")); }).find("header.csv:1"),
            std::string::npos);
}

TEST(PseudoLabels, UnknownModeAndBadSettingsAreConfigErrors) {
  PseudoLabelSettings s;
  s.mode = "bogus";
  try {
    select_pseudo_labels(sample(), s);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'bogus'"), std::string::npos) << e.what();
  }
  s = {};
  s.threshold = 1.5;
  EXPECT_THROW(select_pseudo_labels(sample(), s), ConfigError);
  s = {};
  s.temperature = 0;
  EXPECT_THROW(select_pseudo_labels(sample(), s), ConfigError);
  s = {};
  s.mode = "topk_per_class";
  s.k_per_class = 0;
  EXPECT_THROW(select_pseudo_labels(sample(), s), ConfigError);
}

}  // namespace
}  // namespace dap
