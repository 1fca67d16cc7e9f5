// ConfigTree: a config file, its base files and command-line overrides,
// resolved into one plain C++ tree. Every node remembers where it was set (a
// file or an override) so a later validation error can name it.
//
// File format: a config file returns a table. A top-level `base = "other.lua"`
// (relative to the file holding it) names a base; the file's tables merge over
// the base's recursively, lists replace. Overrides `key.path=value` then apply
// in order: `value` is a Lua expression (`16`, `true`, `"x"`, `{1,2}`), or a
// plain string when it does not evaluate (`name=foo` gives "foo").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dap::config {

struct ConfigNode {
  enum class Kind { Nil, Bool, Integer, Number, String, List, Table };

  Kind kind = Kind::Nil;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0.0;
  std::string string;
  // List: the items in order. Table: the fields, sorted by key (an empty Lua
  // table `{}` is an empty Table and also reads as an empty list).
  std::vector<ConfigNode> children;
  std::string key;     // this node's name inside its parent Table
  std::string origin;  // "lua/x.lua" or "command-line override 'a.b=3'"

  bool is_table() const { return kind == Kind::Table; }
  bool is_list_like() const { return kind == Kind::List || (kind == Kind::Table && children.empty()); }
  // The field named `name` of a Table, or nullptr.
  const ConfigNode* find(const std::string& name) const;
  ConfigNode* find(const std::string& name);
};

struct ConfigTree {
  ConfigNode root;                  // always a Table
  std::string top_file;             // the file given to load_config
  std::vector<std::string> files;   // top_file, then its base, the base's base...
  std::vector<std::string> overrides;

  // The node at a dotted path such as "preprocess.sampling.fps", or nullptr.
  const ConfigNode* find(const std::string& dotted_path) const;
  // Where the value at `dotted_path` was set; top_file when it comes from defaults.
  std::string origin_of(const std::string& dotted_path) const;
};

// Loads `path` and its bases, applies `overrides`, and returns the merged tree.
// Throws ConfigError (naming the file or override) on any problem.
ConfigTree load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// The one format of every config error: "<origin>: <key.path>: <what>".
std::string format_config_error(const std::string& origin, const std::string& key_path,
                                const std::string& what);
// The shortest Lua number literal that reads back to the same double ("0.1", "4.0").
std::string format_number(double value);

// "integer", "string", "table"... for messages.
const char* kind_name(ConfigNode::Kind kind);
// A short description of a value for messages: `string "8"`, `integer 8`, `a table`.
std::string describe(const ConfigNode& node);

}  // namespace dap::config
