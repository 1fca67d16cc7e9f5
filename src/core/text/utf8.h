// UTF-8 <-> code points for the text code: strict decoding of the text given
// to the tokenizer, and Python's lossy bytes.decode("utf-8", errors="replace")
// for the bytes that token ids decode to.
#pragma once

#include <string>
#include <string_view>

namespace dap {

// The code points of valid UTF-8. Ill-formed input (bad lead or continuation
// bytes, truncated sequences, overlong forms, surrogates, values past
// U+10FFFF) throws InputError naming the byte and its offset.
std::u32string utf8_to_code_points(std::string_view text);

// Appends the UTF-8 form of one Unicode scalar value.
void append_utf8(char32_t code_point, std::string& out);
std::string code_points_to_utf8(std::u32string_view code_points);

// Python's bytes.decode("utf-8", errors="replace"): every maximal ill-formed
// subpart becomes U+FFFD, the rest is kept as it is.
std::string utf8_replace_invalid(std::string_view bytes);

}  // namespace dap
