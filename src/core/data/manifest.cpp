#include "core/data/manifest.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/base/error.h"
#include "core/io/csv.h"

namespace dap {
namespace {

std::string where(const std::string& file, int line) { return file + ":" + std::to_string(line) + ": "; }

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

int parse_label(const std::string& text, const std::string& context) {
  try {
    size_t used = 0;
    const int label = std::stoi(trim(text), &used);
    if (used == trim(text).size() && label >= -1) return label;
  } catch (const std::exception&) {
  }
  throw BadInputError(context + "label must be an integer >= -1, got \"" + text + "\"");
}

std::ifstream open_or_throw(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw BadInputError("cannot open manifest '" + file + "'");
  return in;
}

std::vector<ManifestEntry> read_csv(const std::string& file, bool ug2) {
  auto in = open_or_throw(file);
  std::string line;
  if (!std::getline(in, line)) throw BadInputError(file + ": empty manifest (a header line is required)");
  std::map<std::string, size_t> column;
  const auto header = split_csv_line(line);
  for (size_t i = 0; i < header.size(); ++i) column[trim(header[i])] = i;
  const std::string path_key = ug2 ? "Video" : "path";
  const std::string label_key = ug2 ? "ClassID" : "label";
  if (!column.count(path_key) || (!ug2 && !column.count(label_key))) {
    throw BadInputError(file + ":1: header must name the columns " + path_key + (ug2 ? "" : ",label") + ", got \"" +
                     trim(line) + "\"");
  }
  std::vector<ManifestEntry> entries;
  for (int number = 2; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    const auto fields = split_csv_line(line);
    const auto get = [&](const std::string& key) -> std::string {
      const auto it = column.find(key);
      return it != column.end() && it->second < fields.size() ? trim(fields[it->second]) : "";
    };
    ManifestEntry entry;
    entry.path = get(path_key);
    if (entry.path.empty()) throw BadInputError(where(file, number) + "empty path");
    const std::string label = get(label_key);
    entry.label = label.empty() ? -1 : parse_label(label, where(file, number));
    entry.domain = get("domain");
    entry.split = get("split");
    entry.id = get("id");
    entries.push_back(entry);
  }
  return entries;
}

// ARID and Daily-DA list files: idx<TAB>label<TAB>relpath (whitespace-separated).
std::vector<ManifestEntry> read_list(const std::string& file) {
  auto in = open_or_throw(file);
  std::vector<ManifestEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    std::istringstream fields(line);
    std::string index, label, path;
    if (!(fields >> index >> label >> path)) {
      throw BadInputError(where(file, number) + "expected `idx<TAB>label<TAB>path`, got \"" + trim(line) + "\"");
    }
    ManifestEntry entry;
    entry.path = path;
    entry.label = parse_label(label, where(file, number));
    entries.push_back(entry);
  }
  return entries;
}

}  // namespace

std::vector<ManifestEntry> read_manifest(const std::string& file, const std::string& format) {
  std::vector<ManifestEntry> entries;
  if (format == "csv") {
    entries = read_csv(file, /*ug2=*/false);
  } else if (format == "ug2") {
    entries = read_csv(file, /*ug2=*/true);
  } else if (format == "arid" || format == "dailyda") {
    entries = read_list(file);
  } else {
    throw BadInputError("unknown manifest format '" + format + "' (csv, arid, dailyda, ug2)");
  }
  std::set<std::string> seen;
  for (auto& entry : entries) {
    if (entry.id.empty()) entry.id = std::filesystem::path(entry.path).replace_extension().generic_string();
    if (!seen.insert(entry.id).second) {
      throw BadInputError(file + ": video id '" + entry.id + "' appears more than once");
    }
  }
  return entries;
}

std::vector<std::string> read_class_map(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw BadInputError("cannot open class map '" + file + "'");
  std::map<int, std::string> by_index;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    std::istringstream fields(line);
    int index = -1;
    std::string name;
    if (!(fields >> index) || !std::getline(fields, name) || trim(name).empty() || index < 0) {
      throw BadInputError(where(file, number) + "expected `index name`, got \"" + trim(line) + "\"");
    }
    by_index[index] = trim(name);
  }
  std::vector<std::string> names;
  for (const auto& [index, name] : by_index) {
    if (index != static_cast<int>(names.size())) {
      throw BadInputError(file + ": class indices must be 0..N-1 without gaps (missing " +
                       std::to_string(names.size()) + ")");
    }
    names.push_back(name);
  }
  return names;
}

void write_manifest_csv(const std::string& file, const std::vector<ManifestEntry>& entries) {
  std::ofstream out(file);
  if (!out) throw Error("cannot write manifest '" + file + "'");
  out << "path,label,domain,split,id\n";
  for (const auto& e : entries) {
    out << csv_field(e.path) << ',' << e.label << ',' << csv_field(e.domain) << ',' << csv_field(e.split) << ','
        << csv_field(e.id) << '\n';
  }
}

}  // namespace dap
