// CLIP's simple_tokenizer.py in C++: vocabulary loading, text cleaning, the
// pre-tokenizer (CLIP's regex, written out as a scanner over code points) and
// byte-level BPE with a cache.
//
// Unicode: the character classes come from ICU and were compared over all
// 1.1 M code points with what Python 3.11 + python3-regex 2022.10.31 (the
// versions in Debian 12) decide: regex's \s is White_Space (u_isUWhiteSpace),
// \p{L} and \p{N} are the general categories L* and N*, str.isspace() is Zs or
// bidi class WS/B/S, and ICU's root-locale lower-casing equals str.lower() for
// every code point (Final_Sigma included). The one surprise is U+0345, below.
//
// Speed, measured once (RelWithDebInfo, one core of a shared 2-core VM): encode
// of a 300 kB English text (59,272 tokens) ran at 0.5-0.6 M tokens/s, cold or
// warm cache alike (cleaning and splitting cost as much as BPE); tokenize of a
// short caption ~70,000 captions/s; loading the vocabulary 0.4 s. CLIP's
// Python tokenizer does 0.1-0.2 M tokens/s on the same text.
#include "core/text/clip_tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/base/error.h"
#include "core/text/html_unescape.h"
#include "core/text/utf8.h"

namespace dap {
namespace {

constexpr std::string_view kWordEnd = "</w>";
constexpr std::string_view kStartOfTextText = "<|startoftext|>";
constexpr std::string_view kEndOfTextText = "<|endoftext|>";
constexpr size_t kCacheLimit = size_t{1} << 17;  // pieces; the cache is cleared when it reaches this

// ---- bytes_to_unicode ----------------------------------------------------
// Every byte gets a printable stand-in so that BPE tokens are text: printable
// Latin-1 bytes stand for themselves, the other 68 bytes for U+0100.. in order.
// `order` is the byte order of the first 256 vocabulary entries.
struct ByteAlphabet {
  std::array<uint8_t, 256> order{};
  std::array<char32_t, 256> symbol{};
};

ByteAlphabet make_byte_alphabet() {
  auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
  ByteAlphabet alphabet;
  size_t next = 0;
  for (int b = 0; b < 256; ++b) {
    if (printable(b)) alphabet.order[next++] = static_cast<uint8_t>(b);
  }
  char32_t stand_in = 256;
  for (int b = 0; b < 256; ++b) {
    if (!printable(b)) alphabet.order[next++] = static_cast<uint8_t>(b);
  }
  for (int b = 0; b < 256; ++b) alphabet.symbol[b] = printable(b) ? static_cast<char32_t>(b) : stand_in++;
  return alphabet;
}

std::string read_gzip(const std::string& path) {
  std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.c_str(), "rb"), &gzclose);
  if (!file) {
    throw InputError("cannot open the CLIP vocabulary " + path + ": " + std::strerror(errno) +
                     " (scripts/fetch_assets.sh puts it in assets/clip/)");
  }
  std::string contents;
  char buffer[1 << 16];
  int count = 0;
  while ((count = gzread(file.get(), buffer, sizeof buffer)) > 0) contents.append(buffer, count);
  if (count < 0) {
    int code = 0;
    throw InputError("cannot read the CLIP vocabulary " + path + ": " + gzerror(file.get(), &code));
  }
  return contents;
}

// merge.split(): the byte alphabet has no non-ASCII whitespace, so ASCII suffices.
std::vector<std::string_view> split_ascii_whitespace(std::string_view line) {
  constexpr std::string_view kSpaces = " \t\r\v\f";
  std::vector<std::string_view> parts;
  for (size_t at = line.find_first_not_of(kSpaces); at != std::string_view::npos;
       at = line.find_first_not_of(kSpaces, at)) {
    const size_t end = std::min(line.find_first_of(kSpaces, at), line.size());
    parts.push_back(line.substr(at, end - at));
    at = end;
  }
  return parts;
}

// ---- Text cleaning: whitespace_clean(basic_clean(text)).lower() -------------

// str.isspace(), which str.strip() uses: also U+001C..U+001F, unlike regex's \s.
bool is_python_space(char32_t c) {
  const auto direction = u_charDirection(static_cast<UChar32>(c));
  return u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR || direction == U_WHITE_SPACE_NEUTRAL ||
         direction == U_BLOCK_SEPARATOR || direction == U_SEGMENT_SEPARATOR;
}

// The regex module's \s: the White_Space property.
bool is_regex_space(char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); }

std::u32string python_strip(std::u32string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && is_python_space(text[begin])) ++begin;
  while (end > begin && is_python_space(text[end - 1])) --end;
  return std::u32string(text.substr(begin, end - begin));
}

std::u32string collapse_whitespace(std::u32string_view text) {  // re.sub(r'\s+', ' ', text)
  std::u32string out;
  out.reserve(text.size());
  bool in_space_run = false;
  for (char32_t c : text) {
    const bool space = is_regex_space(c);
    if (!space) out.push_back(c);
    if (space && !in_space_run) out.push_back(U' ');
    in_space_run = space;
  }
  return out;
}

// str.lower(): full Unicode lower-casing of the whole text (so that Final_Sigma
// sees its context); ICU's root locale has no language-specific rules.
std::u32string lower(std::u32string_view text) {
  icu::UnicodeString unicode;
  for (char32_t c : text) unicode.append(static_cast<UChar32>(c));
  unicode.toLower(icu::Locale::getRoot());
  std::u32string out;
  out.reserve(text.size());
  for (int32_t i = 0; i < unicode.length(); i = unicode.moveIndex32(i, 1)) out.push_back(unicode.char32At(i));
  return out;
}

std::u32string clean_text(std::u32string_view text) {
  // basic_clean: ftfy.fix_text is not available (see clip_tokenizer.h).
  const std::u32string unescaped = python_strip(html_unescape(html_unescape(text)));
  return lower(python_strip(collapse_whitespace(unescaped)));
}

// ---- Pre-tokenizer ------------------------------------------------------
// <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// with IGNORECASE, tried in that order at each position; what matches none
// of them (whitespace) is skipped, as regex.findall does.

enum class CharClass { kLetter, kNumber, kOther, kUnmatched };

CharClass classify(char32_t c) {
  // Under IGNORECASE the regex module tests a character's case variants too.
  // U+0345 COMBINING YPOGEGRAMMENI (a mark) has the letter iota among them, so
  // [\p{L}] does not take it yet [^\s\p{L}\p{N}] rejects it: no alternative
  // matches and CLIP drops it like whitespace. It is the only such code point
  // (all code points checked against python3-regex).
  if (c == 0x345 || is_regex_space(c)) return CharClass::kUnmatched;
  const uint32_t category = U_GET_GC_MASK(static_cast<UChar32>(c));
  if (category & U_GC_L_MASK) return CharClass::kLetter;
  if (category & U_GC_N_MASK) return CharClass::kNumber;
  return CharClass::kOther;
}

// Whether `literal` (lower-case ASCII) is at text[at], ignoring case as the
// regex module does (simple case folding, so "'ſ" matches "'s").
bool literal_at(std::u32string_view text, size_t at, std::string_view literal) {
  if (text.size() - at < literal.size()) return false;
  for (size_t k = 0; k < literal.size(); ++k) {
    if (u_foldCase(static_cast<UChar32>(text[at + k]), U_FOLD_CASE_DEFAULT) != static_cast<UChar32>(literal[k])) {
      return false;
    }
  }
  return true;
}

struct Piece {
  std::u32string_view text;
  int32_t marker_id = -1;  // kStartOfText/kEndOfText for the exact marker strings, else -1
};

std::vector<Piece> split_pieces(std::u32string_view text) {
  static constexpr std::string_view kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  std::vector<Piece> pieces;
  size_t at = 0;
  auto take = [&](size_t length, int32_t marker_id = -1) {
    pieces.push_back({text.substr(at, length), marker_id});
    at += length;
  };
  auto exact = [&](std::string_view literal) {
    return std::equal(literal.begin(), literal.end(), text.begin() + at);
  };
  while (at < text.size()) {
    if (literal_at(text, at, kStartOfTextText)) {
      // CLIP's BPE cache maps only the exact marker strings to the markers.
      take(kStartOfTextText.size(), exact(kStartOfTextText) ? ClipTokenizer::kStartOfText : -1);
      continue;
    }
    if (literal_at(text, at, kEndOfTextText)) {
      take(kEndOfTextText.size(), exact(kEndOfTextText) ? ClipTokenizer::kEndOfText : -1);
      continue;
    }
    const auto contraction = std::find_if(std::begin(kContractions), std::end(kContractions),
                                          [&](std::string_view c) { return literal_at(text, at, c); });
    if (contraction != std::end(kContractions)) {
      take(contraction->size());
      continue;
    }
    const CharClass kind = classify(text[at]);
    if (kind == CharClass::kUnmatched) {
      ++at;
    } else if (kind == CharClass::kNumber) {
      take(1);  // [\p{N}]: one digit per piece
    } else {
      size_t end = at + 1;
      while (end < text.size() && classify(text[end]) == kind) ++end;
      take(end - at);
    }
  }
  return pieces;
}

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace

ClipTokenizer::ClipTokenizer(const std::string& vocab_gz_path) {
  const std::string contents = read_gzip(vocab_gz_path);
  const ByteAlphabet alphabet = make_byte_alphabet();

  // merges = lines[1 : 49152-256-2+1]: line 0 is a version header.
  std::vector<std::string_view> lines;
  std::string_view rest(contents);
  while (lines.size() <= static_cast<size_t>(kMergeCount)) {
    const size_t end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  std::vector<std::pair<std::string, std::string>> merge_parts;
  merge_parts.reserve(kMergeCount);
  for (size_t line = 1; line < lines.size(); ++line) {
    const std::vector<std::string_view> parts = split_ascii_whitespace(lines[line]);
    if (parts.size() != 2) {
      throw InputError("CLIP vocabulary " + vocab_gz_path + ", line " + std::to_string(line + 1) +
                       ": a merge needs two tokens, found " + std::to_string(parts.size()));
    }
    merge_parts.emplace_back(parts[0], parts[1]);
  }
  merge_count_ = static_cast<int32_t>(merge_parts.size());
  if (merge_count_ != kMergeCount) {
    throw InputError("CLIP vocabulary " + vocab_gz_path + " holds " + std::to_string(merge_count_) +
                     " merges after its header line, CLIP uses " + std::to_string(kMergeCount) +
                     ": is it bpe_simple_vocab_16e6.txt.gz?");
  }

  // vocab = byte symbols, the same + '</w>', each merge joined, the two markers.
  for (uint8_t byte : alphabet.order) {
    vocab_.emplace_back();
    append_utf8(alphabet.symbol[byte], vocab_.back());
  }
  for (int i = 0; i < 256; ++i) vocab_.push_back(vocab_[i] + std::string(kWordEnd));
  for (const auto& [left, right] : merge_parts) vocab_.push_back(left + right);
  vocab_.emplace_back(kStartOfTextText);
  vocab_.emplace_back(kEndOfTextText);

  // encoder = dict(zip(vocab, range(len(vocab)))): a later duplicate would win.
  std::unordered_map<std::string, int32_t> encoder;
  for (size_t id = 0; id < vocab_.size(); ++id) encoder[vocab_[id]] = static_cast<int32_t>(id);
  for (int b = 0; b < 256; ++b) {
    std::string symbol;
    append_utf8(alphabet.symbol[b], symbol);
    byte_token_[b] = encoder.at(symbol);
    word_end_byte_token_[b] = encoder.at(symbol + std::string(kWordEnd));
  }

  // bpe_ranks = merge order (a later duplicate pair would win). Word symbols are
  // always vocabulary tokens, so a merge whose parts are not tokens never applies.
  for (int32_t rank = 0; rank < merge_count_; ++rank) {
    const auto& [left, right] = merge_parts[rank];
    const auto left_id = encoder.find(left), right_id = encoder.find(right);
    if (left_id == encoder.end() || right_id == encoder.end()) continue;
    merges_[pair_key(left_id->second, right_id->second)] = {rank, encoder.at(left + right)};
  }

  // id -> raw bytes, for decode (byte_decoder applied to every token).
  std::array<int, 256 + 68> byte_of_symbol;
  byte_of_symbol.fill(-1);
  for (int b = 0; b < 256; ++b) byte_of_symbol[alphabet.symbol[b]] = b;
  token_bytes_.reserve(vocab_.size());
  for (size_t id = 0; id < vocab_.size(); ++id) {
    std::u32string symbols;
    try {
      symbols = utf8_to_code_points(vocab_[id]);
    } catch (const InputError& e) {
      throw InputError("CLIP vocabulary " + vocab_gz_path + ", token " + std::to_string(id) + ": " + e.what());
    }
    std::string bytes;
    for (char32_t symbol : symbols) {
      if (symbol >= byte_of_symbol.size() || byte_of_symbol[symbol] < 0) {
        throw InputError("CLIP vocabulary " + vocab_gz_path + ", token " + std::to_string(id) +
                         " has a character outside CLIP's byte alphabet");
      }
      bytes.push_back(static_cast<char>(byte_of_symbol[symbol]));
    }
    token_bytes_.push_back(std::move(bytes));
  }
}

std::vector<int32_t> ClipTokenizer::bpe(const std::string& piece) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (auto found = cache_.find(piece); found != cache_.end()) return found->second;
  }
  std::vector<int32_t> word;
  word.reserve(piece.size());
  for (size_t i = 0; i < piece.size(); ++i) {
    const auto byte = static_cast<uint8_t>(piece[i]);
    word.push_back(i + 1 < piece.size() ? byte_token_[byte] : word_end_byte_token_[byte]);
  }
  // Apply the lowest-ranked merge present, to all its occurrences left to
  // right, until no pair of neighbours has a merge.
  std::vector<int32_t> merged;
  while (word.size() > 1) {
    const Merge* best = nullptr;
    int32_t left = 0, right = 0;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      const auto found = merges_.find(pair_key(word[i], word[i + 1]));
      if (found != merges_.end() && (!best || found->second.rank < best->rank)) {
        best = &found->second;
        left = word[i];
        right = word[i + 1];
      }
    }
    if (!best) break;
    merged.clear();
    for (size_t i = 0; i < word.size(); ++i) {
      if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
        merged.push_back(best->merged_id);
        ++i;
      } else {
        merged.push_back(word[i]);
      }
    }
    word.swap(merged);
  }
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kCacheLimit) cache_.clear();
  cache_.emplace(piece, word);
  return word;
}

std::vector<int32_t> ClipTokenizer::encode(const std::string& text) const {
  const std::u32string cleaned = clean_text(utf8_to_code_points(text));
  std::vector<int32_t> ids;
  for (const Piece& piece : split_pieces(cleaned)) {
    if (piece.marker_id >= 0) {
      ids.push_back(piece.marker_id);
      continue;
    }
    const std::vector<int32_t> piece_ids = bpe(code_points_to_utf8(piece.text));
    ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
  }
  return ids;
}

std::string ClipTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) {
      throw Error("cannot decode CLIP token id " + std::to_string(id) + ": ids run from 0 to " +
                  std::to_string(vocab_size() - 1));
    }
    bytes += token_bytes_[id];
  }
  // CLIP decodes with errors="replace", then turns every "</w>" into a space.
  std::string text = utf8_replace_invalid(bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    if (text.compare(at, kWordEnd.size(), kWordEnd) == 0) {
      out.push_back(' ');
      at += kWordEnd.size();
    } else {
      out.push_back(text[at++]);
    }
  }
  return out;
}

std::vector<int32_t> ClipTokenizer::tokenize(const std::string& text, int context_length, bool truncate) const {
  if (context_length < 2) {
    throw Error("CLIP tokenize: context_length must hold the start and end markers (at least 2), got " +
                std::to_string(context_length));
  }
  std::vector<int32_t> tokens{kStartOfText};
  const std::vector<int32_t> ids = encode(text);
  tokens.insert(tokens.end(), ids.begin(), ids.end());
  tokens.push_back(kEndOfText);
  const auto limit = static_cast<size_t>(context_length);
  if (tokens.size() > limit) {
    if (!truncate) {
      size_t cut = std::min<size_t>(text.size(), 60);  // the start of the text, whole code points
      while (cut > 0 && cut < text.size() && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
      throw Error("CLIP tokenize: text \"" + text.substr(0, cut) + (cut < text.size() ? "..." : "") + "\" (" +
                  std::to_string(text.size()) + " bytes) is " + std::to_string(tokens.size()) +
                  " tokens with start and end markers, more than the context length " +
                  std::to_string(context_length) + "; shorten it or tokenize with truncate=true");
    }
    tokens.resize(limit);
    tokens.back() = kEndOfText;  // tokens[:context_length], tokens[-1] = eot
  }
  tokens.resize(limit, 0);
  return tokens;
}

}  // namespace dap
