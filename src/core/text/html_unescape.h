// Python's html.unescape (HTML5 rules), which CLIP's basic_clean applies twice.
#pragma once

#include <string>
#include <string_view>

namespace dap {

// Replaces character references exactly as Python 3.11's html.unescape does:
//  - every HTML5 named reference (all 2,231 names of html.entities.html5);
//    the 106 legacy names also work without ';' and as the longest prefix of
//    an unknown name ("&amplifier" -> "&lifier", "&notit;" -> "¬it;");
//  - decimal "&#NNN;" and hex "&#xHH;" references, ';' optional, with HTML5's
//    fixes: windows-1252 for 0x80-0x9F, U+FFFD for 0, surrogates and values
//    past U+10FFFF, nothing for the other control and non-character numbers.
// Unknown references stay as they are. The one difference: Python refuses
// decimal references of over 4,300 digits (int() limit), here they give U+FFFD.
std::u32string html_unescape(std::u32string_view text);

}  // namespace dap
