// Manifests: the list of videos a stage works on. The native format is CSV
// with a header (`path,label` required; `domain,split,id` optional); importers
// read the ARID / Daily-DA list files (`idx<TAB>label<TAB>relpath`) and the
// UG2 CSV (`VideoID,Video[,ClassID]`). Errors name the file and line.
#pragma once

#include <string>
#include <vector>

namespace dap {

struct ManifestEntry {
  std::string path;    // relative to the data root
  int label = -1;      // -1 when unlabeled
  std::string domain;  // e.g. "A11", "H51"; may be empty
  std::string split;   // e.g. "train"; may be empty
  std::string id;      // unique video id; defaults to path without extension
};

// format: "csv" | "arid" | "dailyda" | "ug2".
std::vector<ManifestEntry> read_manifest(const std::string& file, const std::string& format);

// Class names from a mapping table: one `idx<whitespace>name` per line (ARID, UG2).
std::vector<std::string> read_class_map(const std::string& file);

void write_manifest_csv(const std::string& file, const std::vector<ManifestEntry>& entries);

}  // namespace dap
