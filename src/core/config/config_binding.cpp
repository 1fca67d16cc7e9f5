// The non-template half of config binding: typed reads with their error
// messages, unknown-key suggestions, and Lua source for config_to_lua.
#include "core/config/config_binding.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace dap::config::detail {
namespace {

using Kind = ConfigNode::Kind;

[[noreturn]] void fail(const ConfigNode& node, const std::string& path, const std::string& what) {
  throw ConfigError(format_config_error(node.origin, path, what));
}

[[noreturn]] void wrong_type(const ConfigNode& node, const std::string& path, const std::string& expected) {
  fail(node, path, "must be " + expected + ", got " + describe(node));
}

// Integral values print without ".0" in ranges: [1, 4096], [0, 1000000].
std::string range_bound(double value) {
  if (std::abs(value) < 1e15 && value == std::floor(value)) {
    return std::to_string(static_cast<long long>(value));
  }
  return format_number(value);
}

void check_range(const ConfigNode& node, const std::string& path, double value, const std::string& shown,
                 const Range* range) {
  // Written as !(inside) so that NaN is out of range too.
  if (range != nullptr && !(value >= range->min && value <= range->max)) {
    fail(node, path, "must be in " + describe_range(*range) + ", got " + shown);
  }
}

// Reads an integer; integral floats (1e6, 8.0) are accepted, 2.5 is a wrong type.
std::int64_t read_integer(const ConfigNode& node, const std::string& path) {
  if (node.kind == Kind::Integer) return node.integer;
  if (node.kind != Kind::Number || !std::isfinite(node.number) || node.number != std::floor(node.number)) {
    wrong_type(node, path, "an integer");
  }
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (node.number >= 9223372036854775808.0 || node.number < -9223372036854775808.0) {
    fail(node, path, "must fit a 64-bit integer, got " + format_number(node.number));
  }
  return static_cast<std::int64_t>(node.number);
}

template <class T>
void read_list(const ConfigNode& node, const std::string& path, std::vector<T>& out, const Range* range,
               const char* expected) {
  if (!node.is_list_like()) wrong_type(node, path, expected);
  std::vector<T> items(node.children.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    read_value(node.children[i], path + "[" + std::to_string(i + 1) + "]", items[i], range);
  }
  out = std::move(items);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The known name closest to `name`, or "" when none is close enough to be a typo.
std::string closest_name(const std::string& name, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const std::string& candidate : known) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

template <class T>
std::string list_literal(const std::vector<T>& values) {
  if (values.empty()) return "{}";
  std::string text = "{ ";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + lua_literal(values[i]);
  return text + " }";
}

}  // namespace

// ---------------------------------------------------------------- reads

void read_value(const ConfigNode& node, const std::string& path, bool& out, const Range*) {
  if (node.kind != Kind::Bool) wrong_type(node, path, "a boolean (true or false)");
  out = node.boolean;
}

void read_value(const ConfigNode& node, const std::string& path, int& out, const Range* range) {
  const std::int64_t value = read_integer(node, path);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    const Range int_range{static_cast<double>(std::numeric_limits<int>::min()),
                          static_cast<double>(std::numeric_limits<int>::max())};
    fail(node, path, "must be in " + describe_range(range ? *range : int_range) + ", got " + std::to_string(value) +
                         " (does not fit an int)");
  }
  check_range(node, path, static_cast<double>(value), std::to_string(value), range);
  out = static_cast<int>(value);
}

void read_value(const ConfigNode& node, const std::string& path, std::int64_t& out, const Range* range) {
  const std::int64_t value = read_integer(node, path);
  check_range(node, path, static_cast<double>(value), std::to_string(value), range);
  out = value;
}

void read_value(const ConfigNode& node, const std::string& path, double& out, const Range* range) {
  double value = 0.0;
  if (node.kind == Kind::Integer) {
    value = static_cast<double>(node.integer);
  } else if (node.kind == Kind::Number) {
    value = node.number;
  } else {
    wrong_type(node, path, "a number");
  }
  check_range(node, path, value, format_number(value), range);
  out = value;
}

void read_value(const ConfigNode& node, const std::string& path, std::string& out, const Range*) {
  // On the command line `run.split=2` means the name "2": an override's integer
  // is read as its text where a string is expected (a file must write "2").
  if (node.kind == Kind::Integer && node.origin.rfind("command-line override", 0) == 0) {
    out = std::to_string(node.integer);
    return;
  }
  if (node.kind != Kind::String) wrong_type(node, path, "a string");
  out = node.string;
}

void read_value(const ConfigNode& node, const std::string& path, std::vector<std::string>& out,
                const Range* range) {
  read_list(node, path, out, range, "a list of strings ({\"a\", \"b\"})");
}

void read_value(const ConfigNode& node, const std::string& path, std::vector<int>& out, const Range* range) {
  read_list(node, path, out, range, "a list of integers ({1, 2})");
}

void read_value(const ConfigNode& node, const std::string& path, std::vector<double>& out,
                const Range* range) {
  read_list(node, path, out, range, "a list of numbers ({0.5, 1})");
}

// ---------------------------------------------------------------- checks

void check_choice(const ConfigNode& node, const std::string& path, const std::string& value,
                  const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  const std::string guess = closest_name(value, choices);
  fail(node, path, "must be one of " + describe_choices(choices) + ", got \"" + value + "\"" +
                       (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)"));
}

void check_known_keys(const ConfigNode& table, const std::string& path, const std::vector<std::string>& known) {
  for (const ConfigNode& child : table.children) {
    if (std::find(known.begin(), known.end(), child.key) != known.end()) continue;
    std::vector<std::string> sorted = known;
    std::sort(sorted.begin(), sorted.end());
    const std::string guess = closest_name(child.key, known);
    fail(child, join_key(path, child.key),
         "unknown key" + (guess.empty() ? std::string() : " (did you mean '" + guess + "'?)") + "; known keys " +
             (path.empty() ? "at the top level" : "in '" + path + "'") + ": " + join(sorted, ", "));
  }
}

void throw_not_a_table(const ConfigNode& node, const std::string& path) {
  wrong_type(node, path, "a table of settings ({ key = value, ... })");
}

// ---------------------------------------------------------------- Lua source

std::string lua_literal(bool value) { return value ? "true" : "false"; }
std::string lua_literal(int value) { return std::to_string(value); }
std::string lua_literal(std::int64_t value) { return std::to_string(value); }
std::string lua_literal(double value) { return format_number(value); }

std::string lua_literal(const std::string& value) {
  std::string text = "\"";
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': text += "\\\""; break;
      case '\\': text += "\\\\"; break;
      case '\n': text += "\\n"; break;
      case '\t': text += "\\t"; break;
      case '\r': text += "\\r"; break;
      default:
        // Other control bytes as decimal escapes (3 digits, so a following digit stays apart).
        if (byte < 0x20 || byte == 0x7f) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\%03u", static_cast<unsigned>(byte));
          text += escape;
        } else {
          text += c;
        }
    }
  }
  return text + "\"";
}

std::string lua_literal(const std::vector<std::string>& value) { return list_literal(value); }
std::string lua_literal(const std::vector<int>& value) { return list_literal(value); }
std::string lua_literal(const std::vector<double>& value) { return list_literal(value); }

std::string lua_key(const std::string& name) {
  static const std::vector<std::string> keywords = {
      "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
      "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"};
  const bool identifier =
      !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
      std::all_of(name.begin(), name.end(),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }) &&
      std::find(keywords.begin(), keywords.end(), name) == keywords.end();
  return identifier ? name : "[" + lua_literal(name) + "]";
}

std::string describe_range(const Range& range) {
  return "[" + range_bound(range.min) + ", " + range_bound(range.max) + "]";
}

std::string describe_choices(const std::vector<std::string>& choices) {
  std::vector<std::string> quoted;
  for (const std::string& choice : choices) quoted.push_back("\"" + choice + "\"");
  return join(quoted, ", ");
}

}  // namespace dap::config::detail

namespace dap::config {

void LuaWriter::comment(const std::string& text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    line("-- " + text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace dap::config
