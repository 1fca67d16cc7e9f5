// load_config: run a config file and its bases in the restricted Lua state,
// convert the returned tables to ConfigNodes, merge, then apply overrides.
#include "core/config/config_tree.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <lua.hpp>

#include "core/base/error.h"
#include "core/config/lua_state.h"

namespace dap::config {
namespace fs = std::filesystem;
using Kind = ConfigNode::Kind;

// ---------------------------------------------------------------- nodes

const ConfigNode* ConfigNode::find(const std::string& name) const {
  if (kind != Kind::Table) return nullptr;
  for (const ConfigNode& child : children) {
    if (child.key == name) return &child;
  }
  return nullptr;
}

ConfigNode* ConfigNode::find(const std::string& name) {
  return const_cast<ConfigNode*>(static_cast<const ConfigNode*>(this)->find(name));
}

namespace {

std::vector<std::string> split_dotted(const std::string& dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    parts.push_back(dotted.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string join_path(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

// Inserts `child` into a Table keeping the fields sorted, so output is deterministic.
ConfigNode& insert_field(ConfigNode& table, ConfigNode child) {
  auto at = std::lower_bound(table.children.begin(), table.children.end(), child.key,
                             [](const ConfigNode& n, const std::string& k) { return n.key < k; });
  return *table.children.insert(at, std::move(child));
}

void set_origin(ConfigNode& node, const std::string& origin) {
  node.origin = origin;
  for (ConfigNode& child : node.children) set_origin(child, origin);
}

// Merges `over` onto `base`: tables merge key by key, anything else (lists
// included) replaces the base value wholesale.
void merge_over(ConfigNode& base, ConfigNode over) {
  if (base.kind != Kind::Table || over.kind != Kind::Table) {
    std::string key = std::move(base.key);
    base = std::move(over);
    base.key = std::move(key);
    return;
  }
  base.origin = over.origin;
  for (ConfigNode& child : over.children) {
    if (ConfigNode* existing = base.find(child.key)) {
      merge_over(*existing, std::move(child));
    } else {
      insert_field(base, std::move(child));
    }
  }
}

[[noreturn]] void fail(const std::string& origin, const std::string& path, const std::string& what) {
  throw ConfigError(format_config_error(origin, path, what));
}

// ---------------------------------------------------------------- Lua -> nodes

// Converts Lua values (booleans, numbers, strings, tables of those) to nodes.
class LuaReader {
 public:
  LuaReader(lua_State* L, std::string origin) : L_(L), origin_(std::move(origin)) {}

  // Converts the value at absolute stack index `index`; leaves the stack as it was.
  ConfigNode read(int index, const std::string& path) {
    ConfigNode node;
    node.origin = origin_;
    switch (lua_type(L_, index)) {
      case LUA_TNIL:
        node.kind = Kind::Nil;
        break;
      case LUA_TBOOLEAN:
        node.kind = Kind::Bool;
        node.boolean = lua_toboolean(L_, index) != 0;
        break;
      case LUA_TNUMBER:
        if (lua_isinteger(L_, index)) {
          node.kind = Kind::Integer;
          node.integer = lua_tointeger(L_, index);
        } else {
          node.kind = Kind::Number;
          node.number = lua_tonumber(L_, index);
        }
        break;
      case LUA_TSTRING: {
        std::size_t length = 0;
        const char* text = lua_tolstring(L_, index, &length);
        node.kind = Kind::String;
        node.string.assign(text, length);
        break;
      }
      case LUA_TTABLE:
        read_table(index, path, node);
        break;
      default:
        fail(origin_, path, std::string("a ") + luaL_typename(L_, index) +
                                " cannot be a config value (only booleans, numbers, strings and tables)");
    }
    return node;
  }

 private:
  void read_table(int index, const std::string& path, ConfigNode& node) {
    const void* identity = lua_topointer(L_, index);
    if (std::find(open_.begin(), open_.end(), identity) != open_.end()) {
      fail(origin_, path, "a table that contains itself cannot be a config value");
    }
    if (!lua_checkstack(L_, 3)) fail(origin_, path, "tables nested too deeply");
    open_.push_back(identity);

    std::map<lua_Integer, ConfigNode> items;
    std::vector<ConfigNode> fields;
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      const int value = lua_gettop(L_);
      const int key = value - 1;
      // Check the key's type before reading it: lua_tostring on a number key would
      // convert it in place and break lua_next.
      if (lua_type(L_, key) == LUA_TSTRING) {
        const std::string name = lua_tostring(L_, key);
        ConfigNode child = read(value, join_path(path, name));
        child.key = name;
        fields.push_back(std::move(child));
      } else if (lua_isinteger(L_, key)) {
        const lua_Integer position = lua_tointeger(L_, key);
        items.emplace(position, read(value, path + "[" + std::to_string(position) + "]"));
      } else {
        fail(origin_, path, std::string("has a key of type ") + luaL_typename(L_, key) +
                                "; tables take names (a = 1) or list items ({1, 2})");
      }
      lua_pop(L_, 1);  // the value; the key stays for lua_next
    }
    open_.pop_back();

    if (!items.empty() && !fields.empty()) {
      fail(origin_, path, "mixes list items and named keys (e.g. '" + fields.front().key +
                              "'); use either a list {a, b} or a table {x = a}");
    }
    if (!items.empty()) {
      // Keys are unique, so items 1..n exist exactly when the last key is n and the first is 1.
      if (items.begin()->first != 1 || items.rbegin()->first != static_cast<lua_Integer>(items.size())) {
        fail(origin_, path, "a list must have items at positions 1..n without gaps (nil inside a list?)");
      }
      node.kind = Kind::List;
      for (auto& item : items) node.children.push_back(std::move(item.second));
      return;
    }
    node.kind = Kind::Table;
    for (ConfigNode& field : fields) insert_field(node, std::move(field));
  }

  lua_State* L_;
  std::string origin_;
  std::vector<const void*> open_;  // tables being read, to reject cycles
};

// ---------------------------------------------------------------- files and bases

// Runs one file and returns its table, without resolving `base`.
ConfigNode load_file(LuaState& lua, const std::string& path) {
  lua.run_file(path);
  lua_State* L = lua.get();
  ConfigNode node = LuaReader(L, path).read(lua_gettop(L), "");
  lua_pop(L, 1);
  if (node.kind != Kind::Table) {
    throw ConfigError(path + ": a config file must return a table (return { ... }), got " + describe(node));
  }
  return node;
}

// Loads `path`, then (recursively) the base it names, and merges it over its base.
ConfigNode load_with_bases(LuaState& lua, const std::string& path, const std::string& named_by,
                           std::vector<std::string>& chain, ConfigTree& tree) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw ConfigError("config file not found: " + path +
                      (named_by.empty() ? "" : " (named as base in " + named_by + ")"));
  }
  const std::string identity = fs::weakly_canonical(path, ec).string();
  chain.push_back(path);
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    if (fs::weakly_canonical(chain[i], ec).string() == identity) {
      std::string cycle;
      for (std::size_t j = i; j < chain.size(); ++j) cycle += (j > i ? " -> " : "") + chain[j];
      throw ConfigError("config base cycle: " + cycle);
    }
  }
  tree.files.push_back(path);

  ConfigNode node = load_file(lua, path);
  auto base = std::find_if(node.children.begin(), node.children.end(),
                           [](const ConfigNode& n) { return n.key == "base"; });
  if (base == node.children.end()) return node;
  if (base->kind != Kind::String || base->string.empty()) {
    fail(path, "base", "must be the name of a base config file (a string), got " + describe(*base));
  }
  fs::path base_path = base->string;
  if (base_path.is_relative()) base_path = fs::path(path).parent_path() / base_path;
  node.children.erase(base);  // `base` is consumed here; it is not part of the config

  ConfigNode merged = load_with_bases(lua, base_path.lexically_normal().string(), path, chain, tree);
  merge_over(merged, std::move(node));
  return merged;
}

// ---------------------------------------------------------------- overrides

bool is_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The override's value: a Lua expression when it evaluates to plain data, else the text itself.
ConfigNode evaluate_override_value(LuaState& lua, const std::string& text, const std::string& origin) {
  lua_State* L = lua.get();
  const int top = lua_gettop(L);
  ConfigNode value;
  if (lua.eval_expression(text, origin)) {
    try {
      value = LuaReader(L, origin).read(lua_gettop(L), "");
    } catch (const ConfigError&) {
      value = ConfigNode{};  // a function or other non-data value: fall back to text
    }
  }
  lua_settop(L, top);
  if (value.kind == Kind::Nil) {
    value.kind = Kind::String;
    value.string = trim(text);
  }
  set_origin(value, origin);
  return value;
}

void apply_override(LuaState& lua, ConfigTree& tree, const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos) {
    throw ConfigError("bad override '" + text +
                      "': expected key.path=value, e.g. preprocess.sampling.num_frames=16");
  }
  const std::string key_path = trim(text.substr(0, equals));
  const std::vector<std::string> keys = split_dotted(key_path);
  if (!std::all_of(keys.begin(), keys.end(), is_identifier)) {
    throw ConfigError("bad override '" + text + "': '" + key_path +
                      "' is not a key path (names separated by dots, e.g. preprocess.sampling.fps)");
  }
  const std::string origin = "command-line override '" + text + "'";
  ConfigNode value = evaluate_override_value(lua, text.substr(equals + 1), origin);
  value.key = keys.back();

  ConfigNode* table = &tree.root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    walked = join_path(walked, keys[i]);
    ConfigNode* next = table->find(keys[i]);
    if (next == nullptr) {
      ConfigNode created;
      created.kind = Kind::Table;
      created.key = keys[i];
      created.origin = origin;
      next = &insert_field(*table, std::move(created));
    } else if (next->kind != Kind::Table) {
      fail(origin, key_path, "cannot be set: '" + walked + "' is " + describe(*next) + " (set in " +
                                 next->origin + "), not a table");
    }
    table = next;
  }
  if (ConfigNode* existing = table->find(keys.back())) {
    merge_over(*existing, std::move(value));
  } else {
    insert_field(*table, std::move(value));
  }
}

// A site's (or a test's) settings for every config, e.g. scratch folders or smaller models:
// the file named by DAP_CONFIG_OVERLAY merges over the config and its bases, below the
// command-line overrides. It has no base of its own, so it cannot pull in a second chain.
void apply_overlay(LuaState& lua, ConfigTree& tree) {
  const char* overlay = std::getenv("DAP_CONFIG_OVERLAY");
  if (overlay == nullptr || *overlay == '\0') return;
  std::error_code ec;
  if (!fs::is_regular_file(overlay, ec)) {
    throw ConfigError(std::string("config overlay not found: ") + overlay + " (named by DAP_CONFIG_OVERLAY)");
  }
  ConfigNode layer = load_file(lua, overlay);
  if (layer.find("base") != nullptr) {
    fail(overlay, "base", "an overlay (DAP_CONFIG_OVERLAY) cannot name a base; it applies over every config");
  }
  tree.files.push_back(overlay);
  merge_over(tree.root, std::move(layer));
}

}  // namespace

// ---------------------------------------------------------------- public API

const ConfigNode* ConfigTree::find(const std::string& dotted_path) const {
  const ConfigNode* node = &root;
  for (const std::string& key : split_dotted(dotted_path)) {
    node = node->find(key);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string ConfigTree::origin_of(const std::string& dotted_path) const {
  const ConfigNode* node = find(dotted_path);
  return node != nullptr ? node->origin : top_file;
}

ConfigTree load_config(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigTree tree;
  tree.top_file = path;
  tree.overrides = overrides;
  LuaState lua;
  std::vector<std::string> chain;
  tree.root = load_with_bases(lua, path, "", chain, tree);
  apply_overlay(lua, tree);
  for (const std::string& text : overrides) apply_override(lua, tree, text);
  return tree;
}

std::string format_config_error(const std::string& origin, const std::string& key_path,
                                const std::string& what) {
  return origin + ": " + (key_path.empty() ? "" : key_path + ": ") + what;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "0/0";
  if (std::isinf(value)) return value > 0 ? "math.huge" : "-math.huge";
  char text[32];
  if (value == std::floor(value) && std::abs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.1f", value);  // 10.0, not 1e+01
    return text;
  }
  // The shortest text that reads back as the same double, e.g. 0.1 not 0.10000000000000001.
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  std::string result = text;
  // Keep it a float in Lua (4.0, not 4) so the printed config says what type it is.
  if (result.find_first_of(".e") == std::string::npos) result += ".0";
  return result;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Nil: return "nil";
    case Kind::Bool: return "boolean";
    case Kind::Integer: return "integer";
    case Kind::Number: return "number";
    case Kind::String: return "string";
    case Kind::List: return "list";
    case Kind::Table: return "table";
  }
  return "?";
}

std::string describe(const ConfigNode& node) {
  switch (node.kind) {
    case Kind::Nil: return "nil";
    case Kind::Bool: return node.boolean ? "boolean true" : "boolean false";
    case Kind::Integer: return "integer " + std::to_string(node.integer);
    case Kind::Number: return "number " + format_number(node.number);
    case Kind::String: {
      constexpr std::size_t kShown = 60;
      const bool cut = node.string.size() > kShown;
      return "string \"" + node.string.substr(0, kShown) + (cut ? "...\"" : "\"");
    }
    case Kind::List: return "a list of " + std::to_string(node.children.size()) + " items";
    case Kind::Table: return node.children.empty() ? "an empty table" : "a table";
  }
  return "?";
}

}  // namespace dap::config
