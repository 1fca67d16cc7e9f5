// Classification metrics on hand-computed cases: Top-1 / Top-k, per-class and
// mean-class accuracy, confusion matrix, the tie rule, unlabeled videos, softmax.
#include <gtest/gtest.h>

#include <cmath>

#include "core/base/error.h"
#include "core/results/classification_metrics.h"

namespace dap {
namespace {

// 5 videos x 4 classes; class 3 has no video and video 4 is unlabeled.
//   v0 label 0, top-1 0 (right)   v1 label 1, top-1 1 (right)
//   v2 label 1, top-1 0 (wrong)   v3 label 2, top-1 2 (right)
std::vector<float> four_class_scores() {
  return {0.9f, 0.05f, 0.05f, 0.0f,  //
          0.1f, 0.7f,  0.2f,  0.0f,  //
          0.5f, 0.4f,  0.1f,  0.0f,  //
          0.2f, 0.2f,  0.6f,  0.0f,  //
          1.0f, 2.0f,  3.0f,  4.0f};
}

TEST(ClassificationMetrics, HandComputedCase) {
  const auto m = compute_classification_metrics(four_class_scores(), {0, 1, 1, 2, -1}, 4);
  EXPECT_EQ(m.count, 4);
  EXPECT_EQ(m.skipped_unlabeled, 1);
  EXPECT_EQ(m.top_k, 4);
  EXPECT_DOUBLE_EQ(m.top1, 75.0);
  EXPECT_DOUBLE_EQ(m.top5, 100.0);  // k = min(5, 4): every true class is within the top 4
  EXPECT_EQ(m.per_class_count, (std::vector<int64_t>{1, 2, 1, 0}));
  EXPECT_DOUBLE_EQ(m.per_class_accuracy[0], 100.0);
  EXPECT_DOUBLE_EQ(m.per_class_accuracy[1], 50.0);
  EXPECT_DOUBLE_EQ(m.per_class_accuracy[2], 100.0);
  EXPECT_TRUE(std::isnan(m.per_class_accuracy[3]));
  EXPECT_NEAR(m.mean_class_accuracy, 250.0 / 3, 1e-12);  // class 3 excluded
  const std::vector<int64_t> confusion = {1, 0, 0, 0,  //
                                          1, 1, 0, 0,  //
                                          0, 0, 1, 0,  //
                                          0, 0, 0, 0};
  EXPECT_EQ(m.confusion, confusion);
  EXPECT_EQ(m.confusion_at(1, 0), 1);
}

TEST(ClassificationMetrics, TopFiveAndTiesGoToTheLowerClassIndex) {
  // 7 classes, so k = 5. Descending scores put class c at rank c; all-equal
  // scores do too (ties go to the lower index).
  const std::vector<float> descending = {7, 6, 5, 4, 3, 2, 1}, equal(7, 0.0f);
  std::vector<float> scores;
  for (const auto* row : {&descending, &descending, &equal, &equal, &equal}) {
    scores.insert(scores.end(), row->begin(), row->end());
  }
  // v0 label 6: rank 6 (miss); v1 label 4: rank 4 (hit); v2 label 5: rank 5 (miss);
  // v3 label 4: rank 4 (hit); v4 label 0: rank 0 (top-1 hit by the tie rule).
  const auto m = compute_classification_metrics(scores, {6, 4, 5, 4, 0}, 7);
  EXPECT_EQ(m.top_k, 5);
  EXPECT_DOUBLE_EQ(m.top1, 20.0);
  EXPECT_DOUBLE_EQ(m.top5, 60.0);
  EXPECT_EQ(m.confusion_at(5, 0), 1);  // the all-equal row predicts class 0
}

TEST(ClassificationMetrics, RankingHelpers) {
  const std::vector<float> row = {1, 3, 3, 2};
  EXPECT_EQ(argmax(row.data(), 4), 1);
  EXPECT_EQ(rank_of(row.data(), 4, 2), 1);
  EXPECT_EQ(rank_of(row.data(), 4, 0), 3);
  EXPECT_EQ(top_k_classes(row.data(), 4, 3), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(top_k_classes(row.data(), 4, 9).size(), 4u);
  const std::vector<float> with_nan = {NAN, -5, -7};
  EXPECT_EQ(argmax(with_nan.data(), 3), 1);  // NaN ranks last
}

TEST(ClassificationMetrics, SoftmaxIsStableAndHonoursTemperature) {
  const std::vector<float> half = {0, 0};
  EXPECT_EQ(softmax(half.data(), 2), (std::vector<double>{0.5, 0.5}));
  const std::vector<float> quarter = {0, std::log(3.0f)};
  auto p = softmax(quarter.data(), 2);
  EXPECT_NEAR(p[0], 0.25, 1e-7);
  EXPECT_NEAR(p[1], 0.75, 1e-7);
  const std::vector<float> doubled = {0, 2 * std::log(3.0f)};
  p = softmax(doubled.data(), 2, 2.0);
  EXPECT_NEAR(p[1], 0.75, 1e-7);
  const std::vector<float> huge = {1000, 0, -1000};
  p = softmax(huge.data(), 3);
  EXPECT_DOUBLE_EQ(p[0], 1.0);
  EXPECT_FALSE(std::isnan(p[1]) || std::isnan(p[2]));
  EXPECT_THROW(softmax(half.data(), 2, 0.0), Error);
}

TEST(ClassificationMetrics, OnlyUnlabeledVideosGiveNaNAccuracies) {
  const auto m = compute_classification_metrics({1, 2, 3, 4}, {-1, -1}, 2);
  EXPECT_EQ(m.count, 0);
  EXPECT_EQ(m.skipped_unlabeled, 2);
  EXPECT_TRUE(std::isnan(m.top1));
  EXPECT_TRUE(std::isnan(m.top5));
  EXPECT_TRUE(std::isnan(m.mean_class_accuracy));
}

TEST(ClassificationMetrics, RejectsBadShapesAndLabels) {
  EXPECT_THROW(compute_classification_metrics({1, 2, 3}, {0, 1}, 2), InputError);
  EXPECT_THROW(compute_classification_metrics({1, 2, 3, 4}, {0, 2}, 2), InputError);
  EXPECT_THROW(compute_classification_metrics({1, 2, 3, 4}, {0, -2}, 2), InputError);
}

TEST(ClassificationMetrics, PredictionsOverloadAndJson) {
  Predictions p;
  p.video_ids = {"a", "b", "c", "d", "e"};
  p.class_names = {"drink", "jump", "pick", "pour"};
  p.labels = {0, 1, 1, 2, -1};
  p.scores = four_class_scores();
  const auto m = compute_classification_metrics(p);
  EXPECT_DOUBLE_EQ(m.top1, 75.0);
  const auto j = metrics_to_json(m, p.class_names);
  EXPECT_EQ(j["count"], 4);
  EXPECT_EQ(j["skipped_unlabeled"], 1);
  EXPECT_EQ(j["top1"], 75.0);
  EXPECT_EQ(j["per_class"][1]["name"], "jump");
  EXPECT_EQ(j["per_class"][1]["accuracy"], 50.0);
  EXPECT_TRUE(j["per_class"][3]["accuracy"].is_null());
  EXPECT_EQ(j["confusion"][1], (std::vector<int64_t>{1, 1, 0, 0}));
}

}  // namespace
}  // namespace dap
