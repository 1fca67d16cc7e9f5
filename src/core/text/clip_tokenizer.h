// The CLIP text tokenizer: byte-level BPE over the 49,408-token vocabulary of
// OpenAI CLIP, reproducing clip/simple_tokenizer.py and clip.tokenize id for
// id (checked against tests/python/ref_clip_tokenizer.py).
//
// Pipeline of encode(), as in simple_tokenizer.py:
//   html.unescape twice, strip            (basic_clean; ftfy.fix_text is skipped, see below)
//   whitespace runs -> ' ', strip         (whitespace_clean)
//   str.lower()                           (ICU full lower-casing, root locale)
//   split with CLIP's pattern             <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|
//                                         [\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+  (IGNORECASE)
//   each piece: UTF-8 bytes -> byte symbols, BPE merges in rank order, '</w>' on the last symbol
//
// ftfy.fix_text is not packaged in Debian 12 and is not applied. With default
// settings it repairs mojibake ("cafÃ©"), straightens curly quotes ("it’s"),
// maps full-width forms to ASCII ("５"), splits ligatures ("ﬁ"), normalises
// to NFC and removes control characters; texts with those tokenize as CLIP's
// Python code without ftfy does, which may differ from CLIP with ftfy.
//
// Speed: ~0.5 M tokens/s on one core (measured in clip_tokenizer.cpp's header).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace dap {

class ClipTokenizer {
 public:
  static constexpr int32_t kStartOfText = 49406;
  static constexpr int32_t kEndOfText = 49407;
  static constexpr int32_t kVocabSize = 49408;
  static constexpr int32_t kMergeCount = 49152 - 256 - 2;  // 48,894 merges used by CLIP
  static constexpr int kDefaultContextLength = 77;

  // Reads CLIP's bpe_simple_vocab_16e6.txt.gz. Throws InputError naming the
  // file when it cannot be read or does not hold CLIP's 48,894 merges.
  explicit ClipTokenizer(const std::string& vocab_gz_path);

  // The token ids of `text` (UTF-8), without start/end markers. The literal
  // strings "<|startoftext|>" and "<|endoftext|>" in the text become those
  // markers, as in CLIP. Throws InputError when the text is not valid UTF-8.
  std::vector<int32_t> encode(const std::string& text) const;

  // The text of `ids`, as CLIP decodes it: each word ends in a space, markers
  // read "<|startoftext|>"/"<|endoftext|>", invalid UTF-8 becomes U+FFFD.
  // Throws Error for an id outside [0, vocab_size()).
  std::string decode(const std::vector<int32_t>& ids) const;

  // clip.tokenize for one text: start marker, tokens, end marker, zero-padded
  // to context_length. A longer sequence is cut to context_length with the end
  // marker kept last when truncate is true, else throws Error naming the text.
  std::vector<int32_t> tokenize(const std::string& text, int context_length = kDefaultContextLength,
                                bool truncate = true) const;

  int32_t vocab_size() const { return static_cast<int32_t>(vocab_.size()); }
  // Number of merges read from the file (always kMergeCount once constructed).
  int32_t merge_count() const { return merge_count_; }

 private:
  struct Merge {
    int32_t rank;       // position in the merges list: lower merges first
    int32_t merged_id;  // the token the pair becomes
  };

  std::vector<int32_t> bpe(const std::string& piece) const;

  std::vector<std::string> vocab_;                 // id -> token, in CLIP's byte alphabet (UTF-8)
  std::vector<std::string> token_bytes_;           // id -> the raw bytes the token stands for
  std::array<int32_t, 256> byte_token_{};          // byte -> id of its one-byte token
  std::array<int32_t, 256> word_end_byte_token_{};  // byte -> id of that token + "</w>"
  std::unordered_map<uint64_t, Merge> merges_;     // (left id << 32 | right id) -> merge
  int32_t merge_count_ = 0;

  // BPE results per piece (UTF-8), as CLIP's self.cache; bounded, and guarded
  // so that one tokenizer can serve several threads.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace dap
