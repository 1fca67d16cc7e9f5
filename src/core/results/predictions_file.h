// predictions.h5: the per-video class scores dap-evaluate writes, so that
// metrics, pseudo-labels, tables and plots can be recomputed without the
// model (format "dap-predictions", version 1; spec in docs/PREDICTIONS_FORMAT.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dap {

namespace predictions {
inline constexpr const char* kFormat = "dap-predictions";
inline constexpr int64_t kFormatVersion = 1;
}  // namespace predictions

struct Predictions {
  std::vector<std::string> video_ids;    // [V]
  std::vector<std::string> class_names;  // [C]
  std::vector<std::string> domains;      // empty, or [V] (e.g. "A11")
  std::vector<int32_t> labels;           // [V]; -1 = unknown
  std::vector<float> scores;             // row-major [V, C]; higher = more likely (logits or similarities)
  std::string config;                    // resolved config of the run that produced the scores
  std::string model;                     // free-text description of the model / checkpoint
  std::string producer;                  // set by read_predictions; the writer always writes this build's

  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
  int64_t size() const { return static_cast<int64_t>(video_ids.size()); }
  const float* row(int64_t video) const { return scores.data() + video * num_classes(); }
};

// Empty when p is consistent (C >= 1, labels/scores/domains sized to match,
// labels in [-1, C)); otherwise what is wrong, for an error message.
std::string predictions_problem(const Predictions& p);

// Writes <path>.tmp, then renames it to path. Throws Error naming the file
// (also when p is inconsistent).
void write_predictions(const std::string& path, const Predictions& p);

// Refuses another format or version (naming both) and inconsistent shapes;
// every failure is an InputError naming the file.
Predictions read_predictions(const std::string& path);

}  // namespace dap
