// A config tree as flat "key.path = value" pairs, the form of command-line
// overrides: what two resolved configs differ in (dap-evaluate's HTML report
// names the settings of an ablation's rows) is a comparison of these pairs.
#pragma once

#include <map>
#include <string>

#include "core/config/config_tree.h"

namespace dap::config {

// Every leaf below `root` (a value, a list, or an empty table) keyed by its
// dotted path; values as Lua literals (`8`, `0.5`, `true`, `"crop"`, `{ 1, 2 }`).
std::map<std::string, std::string> config_leaves(const ConfigNode& root);

// A value (a leaf or a list) as a Lua literal.
std::string lua_value_text(const ConfigNode& node);

}  // namespace dap::config
