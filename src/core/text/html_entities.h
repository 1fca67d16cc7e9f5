// The HTML5 named character references (2,231 names, as in Python's
// html.entities.html5), for html_unescape.
#pragma once

#include <string_view>

namespace dap {

struct HtmlEntity {
  const char* name;   // with its ';' where the name has one ("amp;"; the legacy "amp" too)
  char32_t first;     // the one or two code points it stands for
  char32_t second;    // 0 when it stands for one code point
};

// The entity called exactly `name`, or nullptr.
const HtmlEntity* find_html_entity(std::string_view name);

}  // namespace dap
