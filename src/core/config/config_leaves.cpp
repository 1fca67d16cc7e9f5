#include "core/config/config_leaves.h"

#include <nlohmann/json.hpp>

namespace dap::config {
namespace {

void collect(const ConfigNode& node, const std::string& path, std::map<std::string, std::string>& leaves) {
  if (node.is_table() && !node.children.empty()) {
    for (const auto& child : node.children) collect(child, path.empty() ? child.key : path + "." + child.key, leaves);
    return;
  }
  leaves[path] = lua_value_text(node);
}

}  // namespace

std::map<std::string, std::string> config_leaves(const ConfigNode& root) {
  std::map<std::string, std::string> leaves;
  collect(root, "", leaves);
  return leaves;
}

std::string lua_value_text(const ConfigNode& node) {
  switch (node.kind) {
    case ConfigNode::Kind::Nil: return "nil";
    case ConfigNode::Kind::Bool: return node.boolean ? "true" : "false";
    case ConfigNode::Kind::Integer: return std::to_string(node.integer);
    case ConfigNode::Kind::Number: return format_number(node.number);
    // JSON's escaping is valid Lua for the strings configs hold.
    case ConfigNode::Kind::String:
      return nlohmann::json(node.string).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    case ConfigNode::Kind::List:
    case ConfigNode::Kind::Table: {
      if (node.children.empty()) return "{}";
      std::string text = "{ ";
      for (size_t i = 0; i < node.children.size(); ++i) {
        const auto& child = node.children[i];
        text += (i ? ", " : "") + (node.is_table() ? child.key + " = " : std::string()) + lua_value_text(child);
      }
      return text + " }";
    }
  }
  return "nil";
}

}  // namespace dap::config
