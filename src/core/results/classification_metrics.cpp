#include "core/results/classification_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/base/error.h"

namespace dap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// True when class a ranks above class b (higher score, ties to the lower index, NaN last).
bool ranks_above(const float* scores, int64_t a, int64_t b) {
  const float sa = std::isnan(scores[a]) ? -std::numeric_limits<float>::infinity() : scores[a];
  const float sb = std::isnan(scores[b]) ? -std::numeric_limits<float>::infinity() : scores[b];
  return sa > sb || (sa == sb && a < b);
}

double percent(int64_t part, int64_t whole) { return whole > 0 ? 100.0 * part / whole : kNaN; }

nlohmann::ordered_json number_or_null(double value) {
  return std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
}

}  // namespace

int64_t argmax(const float* scores, int64_t n) {
  int64_t best = 0;
  for (int64_t c = 1; c < n; ++c) {
    if (ranks_above(scores, c, best)) best = c;
  }
  return best;
}

int64_t rank_of(const float* scores, int64_t n, int64_t c) {
  int64_t above = 0;
  for (int64_t other = 0; other < n; ++other) above += ranks_above(scores, other, c) ? 1 : 0;
  return above;
}

std::vector<int64_t> top_k_classes(const float* scores, int64_t n, int64_t k) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  k = std::clamp<int64_t>(k, 0, n);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) { return ranks_above(scores, a, b); });
  order.resize(k);
  return order;
}

std::vector<double> softmax(const float* scores, int64_t n, double temperature) {
  if (!(temperature > 0)) throw Error("softmax: temperature must be > 0, got " + std::to_string(temperature));
  std::vector<double> p(n);
  if (n == 0) return p;
  const double top = scores[argmax(scores, n)];
  double sum = 0;
  for (int64_t c = 0; c < n; ++c) sum += p[c] = std::exp((scores[c] - top) / temperature);
  for (auto& v : p) v /= sum;
  return p;
}

ClassificationMetrics compute_classification_metrics(const std::vector<float>& scores,
                                                     const std::vector<int32_t>& labels, int64_t num_classes) {
  const int64_t c_count = num_classes;
  if (c_count < 1 || scores.size() != labels.size() * static_cast<size_t>(c_count)) {
    throw InputError("classification metrics: " + std::to_string(scores.size()) + " scores do not form [" +
                     std::to_string(labels.size()) + " videos, " + std::to_string(c_count) + " classes]");
  }
  ClassificationMetrics m;
  m.num_classes = c_count;
  m.top_k = std::min<int64_t>(5, c_count);
  m.per_class_count.assign(c_count, 0);
  m.confusion.assign(c_count * c_count, 0);
  int64_t correct1 = 0, correctk = 0;
  for (size_t v = 0; v < labels.size(); ++v) {
    const int32_t label = labels[v];
    if (label == -1) {
      ++m.skipped_unlabeled;
      continue;
    }
    if (label < -1 || label >= c_count) {
      throw InputError("classification metrics: label " + std::to_string(label) + " of video " + std::to_string(v) +
                       " is outside [-1, " + std::to_string(c_count) + ")");
    }
    const float* row = scores.data() + v * c_count;
    const int64_t rank = rank_of(row, c_count, label);
    correct1 += rank == 0 ? 1 : 0;
    correctk += rank < m.top_k ? 1 : 0;
    ++m.per_class_count[label];
    ++m.confusion[label * c_count + argmax(row, c_count)];
    ++m.count;
  }
  m.top1 = percent(correct1, m.count);
  m.top5 = percent(correctk, m.count);
  double sum = 0;
  int64_t present = 0;
  for (int64_t c = 0; c < c_count; ++c) {
    m.per_class_accuracy.push_back(percent(m.confusion_at(c, c), m.per_class_count[c]));
    if (m.per_class_count[c] > 0) {
      sum += m.per_class_accuracy.back();
      ++present;
    }
  }
  m.mean_class_accuracy = present > 0 ? sum / present : kNaN;
  return m;
}

ClassificationMetrics compute_classification_metrics(const Predictions& predictions) {
  return compute_classification_metrics(predictions.scores, predictions.labels, predictions.num_classes());
}

nlohmann::ordered_json metrics_to_json(const ClassificationMetrics& m, const std::vector<std::string>& class_names) {
  nlohmann::ordered_json j;
  j["count"] = m.count;
  j["skipped_unlabeled"] = m.skipped_unlabeled;
  j["top1"] = number_or_null(m.top1);
  j["top5"] = number_or_null(m.top5);
  j["top_k"] = m.top_k;
  j["mean_class_accuracy"] = number_or_null(m.mean_class_accuracy);
  j["per_class"] = nlohmann::ordered_json::array();
  for (int64_t c = 0; c < m.num_classes; ++c) {
    nlohmann::ordered_json entry{{"class", c}};
    if (static_cast<size_t>(c) < class_names.size()) entry["name"] = class_names[c];
    entry["count"] = m.per_class_count[c];
    entry["accuracy"] = number_or_null(m.per_class_accuracy[c]);
    j["per_class"].push_back(entry);
  }
  j["confusion"] = nlohmann::ordered_json::array();
  for (int64_t t = 0; t < m.num_classes; ++t) {
    j["confusion"].push_back(std::vector<int64_t>(m.confusion.begin() + t * m.num_classes,
                                                  m.confusion.begin() + (t + 1) * m.num_classes));
  }
  return j;
}

}  // namespace dap
