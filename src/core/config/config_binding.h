// Binding a ConfigTree to typed structs. A config struct lists its settings
// once, in a visit() template, and that one list drives reading, validation,
// unknown-key detection and printing:
//
//   struct SamplingConfig {
//     std::string mode = "uniform";
//     int num_frames = 8;
//     template <class V> void visit(V& v) {
//       v.choice("mode", mode, {"uniform", "fps"}, "how frames are picked");
//       v.field("num_frames", num_frames, "frames per video", config::Range{1, 4096});
//       v.require(num_frames % 2 == 0, "num_frames", "must be even");
//     }
//   };
//   auto cfg = config::bind_config<SamplingConfig>(config::load_config("x.lua", {}));
//
// Field types: bool, int, int64_t, double, std::string and std::vector of
// std::string, int or double; nested structs through v.section(). Keys missing
// from the config keep the struct's default. Call v.require() after the fields
// it checks. Every error is a ConfigError "<file>: <key.path>: <what>".
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/config/config_tree.h"

namespace dap::config {

// Inclusive bounds of a numeric setting (each element of a numeric list).
struct Range {
  double min;
  double max;
};

namespace detail {

// Typed reads with checks; defined in config_binding.cpp.
void read_value(const ConfigNode& node, const std::string& path, bool& out, const Range* range);
void read_value(const ConfigNode& node, const std::string& path, int& out, const Range* range);
void read_value(const ConfigNode& node, const std::string& path, std::int64_t& out, const Range* range);
void read_value(const ConfigNode& node, const std::string& path, double& out, const Range* range);
void read_value(const ConfigNode& node, const std::string& path, std::string& out, const Range* range);
void read_value(const ConfigNode& node, const std::string& path, std::vector<std::string>& out,
                const Range* range);
void read_value(const ConfigNode& node, const std::string& path, std::vector<int>& out, const Range* range);
void read_value(const ConfigNode& node, const std::string& path, std::vector<double>& out,
                const Range* range);

void check_choice(const ConfigNode& node, const std::string& path, const std::string& value,
                  const std::vector<std::string>& choices);
// Rejects keys of `table` that are not in `known`, suggesting the closest known name.
void check_known_keys(const ConfigNode& table, const std::string& path, const std::vector<std::string>& known);
[[noreturn]] void throw_not_a_table(const ConfigNode& node, const std::string& path);

// Lua source for values, names and doc comments (config_to_lua).
std::string lua_literal(bool value);
std::string lua_literal(int value);
std::string lua_literal(std::int64_t value);
std::string lua_literal(double value);
std::string lua_literal(const std::string& value);
std::string lua_literal(const std::vector<std::string>& value);
std::string lua_literal(const std::vector<int>& value);
std::string lua_literal(const std::vector<double>& value);
std::string lua_key(const std::string& name);
std::string describe_range(const Range& range);
std::string describe_choices(const std::vector<std::string>& choices);

inline std::string join_key(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

}  // namespace detail

// Records the names a struct declares (to detect unknown keys before binding).
class KeyCollector {
 public:
  std::vector<std::string> names;

  template <class T>
  void field(const std::string& name, T&, const std::string&, std::optional<Range> = std::nullopt) {
    names.push_back(name);
  }
  void choice(const std::string& name, std::string&, const std::vector<std::string>&, const std::string&) {
    names.push_back(name);
  }
  template <class T>
  void section(const std::string& name, T&, const std::string&) {
    names.push_back(name);
  }
  void require(bool, const std::string&, const std::string&) {}
};

// Reads one table of the tree into a struct, section by section.
class Binder {
 public:
  // `table` may be null (section absent: everything keeps its default).
  Binder(const ConfigNode* table, std::string path, const ConfigTree& tree)
      : table_(table), path_(std::move(path)), tree_(tree) {}

  template <class T>
  void bind(T& target) {
    if (table_ != nullptr) {
      KeyCollector known;
      target.visit(known);
      detail::check_known_keys(*table_, path_, known.names);
    }
    target.visit(*this);
  }

  template <class T>
  void field(const std::string& name, T& value, const std::string&, std::optional<Range> range = std::nullopt) {
    if (const ConfigNode* node = child(name)) {
      detail::read_value(*node, detail::join_key(path_, name), value, range ? &*range : nullptr);
    }
  }

  void choice(const std::string& name, std::string& value, const std::vector<std::string>& choices,
              const std::string&) {
    if (const ConfigNode* node = child(name)) {
      const std::string path = detail::join_key(path_, name);
      detail::read_value(*node, path, value, nullptr);
      detail::check_choice(*node, path, value, choices);
    }
  }

  template <class T>
  void section(const std::string& name, T& sub, const std::string&) {
    const ConfigNode* node = child(name);
    const std::string path = detail::join_key(path_, name);
    if (node != nullptr && !node->is_table()) detail::throw_not_a_table(*node, path);
    Binder(node, path, tree_).bind(sub);
  }

  // A cross-field check; the error names the file that set `key` (or the top
  // config file when `key` kept its default).
  void require(bool ok, const std::string& key, const std::string& message) {
    if (ok) return;
    const std::string path = detail::join_key(path_, key);
    throw ConfigError(format_config_error(tree_.origin_of(path), path, message));
  }

 private:
  const ConfigNode* child(const std::string& name) const {
    return table_ != nullptr ? table_->find(name) : nullptr;
  }

  const ConfigNode* table_;
  std::string path_;
  const ConfigTree& tree_;
};

// Writes a struct as commented Lua source, one setting per line.
class LuaWriter {
 public:
  explicit LuaWriter(int indent) : indent_(indent) {}

  template <class T>
  void field(const std::string& name, const T& value, const std::string& doc,
             std::optional<Range> range = std::nullopt) {
    comment(range ? doc + " " + detail::describe_range(*range) : doc);
    line(detail::lua_key(name) + " = " + detail::lua_literal(value) + ",");
  }
  void choice(const std::string& name, const std::string& value, const std::vector<std::string>& choices,
              const std::string& doc) {
    comment(doc + " (one of " + detail::describe_choices(choices) + ")");
    line(detail::lua_key(name) + " = " + detail::lua_literal(value) + ",");
  }
  template <class T>
  void section(const std::string& name, T& sub, const std::string& doc) {
    comment(doc);
    line(detail::lua_key(name) + " = {");
    ++indent_;
    sub.visit(*this);
    --indent_;
    line("},");
  }
  void require(bool, const std::string&, const std::string&) {}

  void line(const std::string& text) { out_ << std::string(2 * indent_, ' ') << text << '\n'; }
  void comment(const std::string& text);
  std::string text() const { return out_.str(); }

 private:
  int indent_;
  std::ostringstream out_;
};

// Binds the whole tree to T; throws ConfigError on the first problem.
template <class T>
T bind_config(const ConfigTree& tree) {
  T value{};
  Binder(&tree.root, "", tree).bind(value);
  return value;
}

// The fully resolved config as Lua source (`return { ... }` with the doc
// strings as comments); load_config + bind_config read it back to an equal T.
template <class T>
std::string config_to_lua(const T& value) {
  T copy = value;  // visit() is not const: one visitor template serves reading and writing
  LuaWriter writer(1);
  copy.visit(writer);
  return "-- Resolved dap configuration (generated; usable as --config).\nreturn {\n" + writer.text() + "}\n";
}

}  // namespace dap::config
