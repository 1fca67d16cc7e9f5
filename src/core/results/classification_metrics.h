// Classification metrics as the paper reports them (Top-1 / Top-5 in percent),
// plus per-class and mean-class accuracy and the confusion matrix, computed
// from a score matrix [V, C] and labels. Videos labelled -1 are skipped.
//
// Ranking rule, used everywhere here: a class ranks above another when its
// score is higher, or equal and its index lower (ties go to the lower class
// index); NaN scores rank below every number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/results/predictions_file.h"

namespace dap {

struct ClassificationMetrics {
  int64_t num_classes = 0;
  int64_t count = 0;               // labelled videos evaluated
  int64_t skipped_unlabeled = 0;   // videos with label -1
  int64_t top_k = 0;               // the k of top5: min(5, C)
  double top1 = 0;                 // percent in [0, 100]; NaN when count == 0
  double top5 = 0;                 // top-k accuracy with k = top_k, percent; NaN when count == 0
  std::vector<int64_t> per_class_count;     // [C] labelled videos of each true class
  std::vector<double> per_class_accuracy;   // [C] top-1 percent; NaN for a class with no video
  double mean_class_accuracy = 0;           // mean over classes with videos; NaN when none
  std::vector<int64_t> confusion;           // [C, C] row-major: row = true class, column = top-1 prediction

  int64_t confusion_at(int64_t true_class, int64_t predicted) const {
    return confusion[true_class * num_classes + predicted];
  }
};

// scores: row-major [labels.size(), num_classes]. Throws InputError when the
// sizes disagree or a label is outside [-1, num_classes).
ClassificationMetrics compute_classification_metrics(const std::vector<float>& scores,
                                                     const std::vector<int32_t>& labels, int64_t num_classes);
ClassificationMetrics compute_classification_metrics(const Predictions& predictions);

// Index of the highest score (ties: the lower index). n >= 1.
int64_t argmax(const float* scores, int64_t n);
// 0-based rank of class c under the ranking rule: 0 means c is the top-1.
int64_t rank_of(const float* scores, int64_t n, int64_t c);
// The k best classes, best first, under the ranking rule (k clamped to n).
std::vector<int64_t> top_k_classes(const float* scores, int64_t n, int64_t k);
// softmax(scores / temperature), computed in double after subtracting the
// maximum so that large logits do not overflow. temperature > 0.
std::vector<double> softmax(const float* scores, int64_t n, double temperature = 1.0);

// {"count", "skipped_unlabeled", "top1", "top5", "top_k", "mean_class_accuracy",
//  "per_class": [{"class", "name", "count", "accuracy"}], "confusion": [[...]]};
// NaN becomes null. class_names may be empty (names are then omitted).
nlohmann::ordered_json metrics_to_json(const ClassificationMetrics& metrics,
                                       const std::vector<std::string>& class_names = {});

}  // namespace dap
