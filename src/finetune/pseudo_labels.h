// Pseudo-labels for unlabeled target videos (source-free / multi-source DA,
// METHOD.md section 5): chosen from a model's class scores, written as a
// path-free CSV (`id,label,confidence`) that dap-finetune joins with the target
// manifest by id. True labels are never used to choose, only to report accuracy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/clip_selection.h"
#include "core/data/shard_dataset.h"
#include "core/results/predictions_file.h"

namespace dap {

struct PseudoLabelSettings {
  // "all": every video with its top-1 class (no filtering).
  // "threshold": keep a video when the softmax probability of its top-1 class is >= threshold.
  // "topk_per_class": for each class c, keep the k_per_class videos whose top-1 is c with the
  // highest probability of c (ties: the earlier video).
  std::string mode = "threshold";
  double threshold = 0.9;      // in [0, 1]
  int64_t k_per_class = 10;    // >= 1
  double temperature = 1.0;    // softmax(scores / temperature); > 0
};

struct PseudoLabel {
  std::string video_id;
  int32_t label = -1;
  double confidence = 0;  // softmax probability of `label`
};

// The selected videos, in the order of p.video_ids. Throws ConfigError for an
// unknown mode (naming it) or an out-of-range setting.
std::vector<PseudoLabel> select_pseudo_labels(const Predictions& p, const PseudoLabelSettings& settings);

// CSV with header `id,label,confidence`; written as path.tmp, then renamed.
void write_pseudo_labels(const std::string& path, const std::vector<PseudoLabel>& labels);
// Reads that CSV (columns in any order, extra columns ignored); InputError naming file and line.
std::vector<PseudoLabel> read_pseudo_labels(const std::string& path);

struct PseudoLabelAccuracy {
  int64_t selected = 0;    // pseudo-labels given
  int64_t with_truth = 0;  // of those, videos whose true label is known (!= -1)
  int64_t correct = 0;
  double accuracy = 0;     // percent of with_truth; NaN when with_truth == 0
};

// Compares pseudo-labels with the true labels of the same ids (e.g. a
// Predictions' video_ids/labels, or a manifest's); ids not found count as unknown.
PseudoLabelAccuracy pseudo_label_accuracy(const std::vector<PseudoLabel>& labels,
                                          const std::vector<std::string>& video_ids,
                                          const std::vector<int32_t>& true_labels);

// Narrows `selection` to the pseudo-labelled clips and takes their labels.
// None left: InputError naming `source`.
void apply_pseudo_labels(const ShardDataset& data, const std::vector<PseudoLabel>& labels, const std::string& source,
                         ClipSelection& selection);

}  // namespace dap
