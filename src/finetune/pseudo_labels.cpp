#include "finetune/pseudo_labels.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/io/csv.h"
#include "core/results/classification_metrics.h"

namespace dap {
namespace {

struct Candidate {
  int64_t video;
  int32_t label;
  double confidence;
};

void check_settings(const PseudoLabelSettings& s) {
  if (s.mode != "all" && s.mode != "threshold" && s.mode != "topk_per_class") {
    throw ConfigError("unknown pseudo-label mode '" + s.mode + "' (all, threshold or topk_per_class)");
  }
  if (!(s.temperature > 0)) throw ConfigError("pseudo-label temperature must be > 0, got " + std::to_string(s.temperature));
  if (s.mode == "threshold" && !(s.threshold >= 0 && s.threshold <= 1)) {
    throw ConfigError("pseudo-label threshold must be in [0, 1], got " + std::to_string(s.threshold));
  }
  if (s.mode == "topk_per_class" && s.k_per_class < 1) {
    throw ConfigError("pseudo-label k_per_class must be >= 1, got " + std::to_string(s.k_per_class));
  }
}

template <class T>
bool parse_number(const std::string& text, T& value) {
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

}  // namespace

std::vector<PseudoLabel> select_pseudo_labels(const Predictions& p, const PseudoLabelSettings& settings) {
  check_settings(settings);
  const std::string problem = predictions_problem(p);
  if (!problem.empty()) throw Error("pseudo-labels: predictions are inconsistent: " + problem);
  const int64_t classes = p.num_classes();
  std::vector<Candidate> candidates;
  for (int64_t v = 0; v < p.size(); ++v) {
    const int64_t top = argmax(p.row(v), classes);
    const double confidence = softmax(p.row(v), classes, settings.temperature)[top];
    candidates.push_back({v, static_cast<int32_t>(top), confidence});
  }
  std::vector<Candidate> chosen;
  if (settings.mode == "all") {
    chosen = candidates;  // every video with its top-1 class, no filtering
  } else if (settings.mode == "threshold") {
    for (const auto& c : candidates) {
      if (c.confidence >= settings.threshold) chosen.push_back(c);
    }
  } else {
    // topk_per_class: a video competes only for its own top-1 class, so each
    // video gets at most one pseudo-label and its confidence is the
    // probability of that class; per class the k most confident win.
    std::vector<Candidate> ranked = candidates;
    std::stable_sort(ranked.begin(), ranked.end(), [](const Candidate& a, const Candidate& b) {
      const double ca = std::isnan(a.confidence) ? -1.0 : a.confidence;
      const double cb = std::isnan(b.confidence) ? -1.0 : b.confidence;
      return ca > cb;
    });
    std::vector<int64_t> taken(classes, 0);
    for (const auto& c : ranked) {
      if (!std::isnan(c.confidence) && taken[c.label] < settings.k_per_class) {
        ++taken[c.label];
        chosen.push_back(c);
      }
    }
    std::sort(chosen.begin(), chosen.end(), [](const Candidate& a, const Candidate& b) { return a.video < b.video; });
  }
  std::vector<PseudoLabel> labels;
  for (const auto& c : chosen) labels.push_back({p.video_ids[c.video], c.label, c.confidence});
  return labels;
}

void write_pseudo_labels(const std::string& path, const std::vector<PseudoLabel>& labels) {
  std::ostringstream out;
  out << "id,label,confidence\n";
  for (const auto& l : labels) {
    out << csv_field(l.video_id) << ',' << l.label << ',' << shortest_decimal(l.confidence) << '\n';
  }
  write_text_file(path, out.str());  // whole or not at all; a full disk names the file
}

std::vector<PseudoLabel> read_pseudo_labels(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open pseudo-labels '" + path + "'");
  std::string line;
  if (!std::getline(in, line)) throw InputError(path + ": empty pseudo-label file (header id,label,confidence required)");
  std::map<std::string, size_t> column;
  const auto header = split_csv_line(line);
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  if (!column.count("id") || !column.count("label") || !column.count("confidence")) {
    throw InputError(path + ":1: header must name the columns id,label,confidence, got \"" + line + "\"");
  }
  std::vector<PseudoLabel> labels;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto fields = split_csv_line(line);
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (fields.size() < header.size()) {
      throw InputError(where + "expected " + std::to_string(header.size()) + " fields, got " +
                       std::to_string(fields.size()));
    }
    PseudoLabel l;
    l.video_id = fields[column["id"]];
    if (!parse_number(fields[column["label"]], l.label) || l.label < 0) {
      throw InputError(where + "label must be an integer >= 0, got \"" + fields[column["label"]] + "\"");
    }
    if (!parse_number(fields[column["confidence"]], l.confidence)) {
      throw InputError(where + "confidence must be a number, got \"" + fields[column["confidence"]] + "\"");
    }
    labels.push_back(l);
  }
  return labels;
}

PseudoLabelAccuracy pseudo_label_accuracy(const std::vector<PseudoLabel>& labels,
                                          const std::vector<std::string>& video_ids,
                                          const std::vector<int32_t>& true_labels) {
  if (video_ids.size() != true_labels.size()) {
    throw Error("pseudo-label accuracy: " + std::to_string(video_ids.size()) + " video ids but " +
                std::to_string(true_labels.size()) + " true labels");
  }
  std::map<std::string, int32_t> truth;
  for (size_t i = 0; i < video_ids.size(); ++i) truth[video_ids[i]] = true_labels[i];
  PseudoLabelAccuracy a;
  for (const auto& l : labels) {
    ++a.selected;
    const auto found = truth.find(l.video_id);
    if (found == truth.end() || found->second == -1) continue;
    ++a.with_truth;
    a.correct += found->second == l.label ? 1 : 0;
  }
  a.accuracy = a.with_truth > 0 ? 100.0 * a.correct / a.with_truth : std::numeric_limits<double>::quiet_NaN();
  return a;
}

void apply_pseudo_labels(const ShardDataset& data, const std::vector<PseudoLabel>& labels, const std::string& source,
                         ClipSelection& selection) {
  std::unordered_map<std::string, int32_t> label_of;
  for (const auto& label : labels) label_of[label.video_id] = label.label;
  std::vector<int64_t> kept;
  std::fill(selection.labels.begin(), selection.labels.end(), -1);
  for (int64_t clip : selection.clips) {
    const auto found = label_of.find(data.record(clip).id);
    if (found == label_of.end()) continue;
    kept.push_back(clip);
    selection.labels[static_cast<size_t>(clip)] = found->second;
  }
  selection.listed_not_found = static_cast<int64_t>(labels.size()) - static_cast<int64_t>(kept.size());
  if (kept.empty()) {
    throw InputError("no pseudo-label from " + source + " belongs to a clip of " + joined_folders(data) +
                     " (pseudo-labels selected: " + std::to_string(labels.size()) + ")");
  }
  selection.clips = std::move(kept);
}

}  // namespace dap
