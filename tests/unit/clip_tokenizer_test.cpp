// ClipTokenizer: CLIP's golden ids, vocabulary shape, clip.tokenize padding
// and truncation, decode, and id-for-id agreement with the Python reference
// (tests/python/ref_clip_tokenizer.py) over texts chosen for the Unicode,
// HTML and whitespace corners of CLIP's cleaning and pre-tokenizer.
#include "core/text/clip_tokenizer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "support/test_paths.h"

namespace dap {
namespace {

const ClipTokenizer& tokenizer() {
  static const ClipTokenizer instance(testing::asset("clip/bpe_simple_vocab_16e6.txt.gz"));
  return instance;
}

std::vector<int32_t> padded(std::vector<int32_t> ids, size_t length = 77) {
  ids.resize(length, 0);
  return ids;
}

std::string long_sentence() {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "a very long caption about a dog running through a field of flowers, ";
  return text;
}

TEST(ClipTokenizer, GoldenPhotoOfACat) {
  EXPECT_EQ(tokenizer().tokenize("a photo of a cat"), padded({49406, 320, 1125, 539, 320, 2368, 49407}));
  EXPECT_EQ(tokenizer().encode("a photo of a cat"), (std::vector<int32_t>{320, 1125, 539, 320, 2368}));
}

TEST(ClipTokenizer, VocabularyShape) {
  EXPECT_EQ(tokenizer().vocab_size(), 49408);
  EXPECT_EQ(tokenizer().merge_count(), 48894);
  EXPECT_EQ(ClipTokenizer::kStartOfText, 49406);
  EXPECT_EQ(ClipTokenizer::kEndOfText, 49407);
  EXPECT_EQ(tokenizer().decode({ClipTokenizer::kStartOfText}), "<|startoftext|>");
  EXPECT_EQ(tokenizer().decode({ClipTokenizer::kEndOfText}), "<|endoftext|>");
  // The marker strings in a text become the markers, as in CLIP.
  EXPECT_EQ(tokenizer().encode("<|startoftext|>cat<|endoftext|>"), (std::vector<int32_t>{49406, 2368, 49407}));
}

TEST(ClipTokenizer, EmptyTextIsJustTheMarkers) {
  EXPECT_EQ(tokenizer().tokenize(""), padded({49406, 49407}));
  EXPECT_EQ(tokenizer().tokenize(" \t\n "), padded({49406, 49407}));
  EXPECT_EQ(tokenizer().tokenize("a cat", 4), (std::vector<int32_t>{49406, 320, 2368, 49407}));
}

TEST(ClipTokenizer, DecodeInvertsEncodeOnPlainText) {
  // CLIP's decode ends every word with a space ('</w>' -> ' ').
  for (const std::string text : {"a photo of a cat", "two dogs playing in the snow", "supercalifragilistic tokenization",
                                 "naïve café in zürich"}) {
    EXPECT_EQ(tokenizer().decode(tokenizer().encode(text)), text + " ") << text;
  }
  EXPECT_EQ(tokenizer().decode(tokenizer().encode("Hello, World!")), "hello , world ! ");
  EXPECT_THROW(tokenizer().decode({49408}), Error);
  EXPECT_THROW(tokenizer().decode({-1}), Error);
}

TEST(ClipTokenizer, LongTextIsCutWithEndMarkerLast) {
  const std::string text = long_sentence();
  ASSERT_GT(tokenizer().encode(text).size(), 76u);
  const std::vector<int32_t> tokens = tokenizer().tokenize(text, 77, /*truncate=*/true);
  ASSERT_EQ(tokens.size(), 77u);
  EXPECT_EQ(tokens[0], ClipTokenizer::kStartOfText);
  EXPECT_EQ(tokens[76], ClipTokenizer::kEndOfText);
  const std::vector<int32_t> ids = tokenizer().encode(text);
  EXPECT_EQ(std::vector<int32_t>(tokens.begin() + 1, tokens.begin() + 76), std::vector<int32_t>(ids.begin(), ids.begin() + 75));

  try {
    tokenizer().tokenize(text, 77, /*truncate=*/false);
    FAIL() << "no error for a text longer than the context";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("\"a very long caption about a dog"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(ids.size() + 2) + " tokens"), std::string::npos) << message;
    EXPECT_NE(message.find("77"), std::string::npos) << message;
  }
  // Exactly context_length tokens is not too long.
  EXPECT_NO_THROW(tokenizer().tokenize("a photo of a cat", 7, /*truncate=*/false));
  EXPECT_THROW(tokenizer().tokenize("a photo of a cat", 6, /*truncate=*/false), Error);
  EXPECT_THROW(tokenizer().tokenize("a cat", 1), Error);
}

TEST(ClipTokenizer, InvalidUtf8IsAnInputError) {
  EXPECT_THROW(tokenizer().encode("caf\xC3"), InputError);         // truncated
  EXPECT_THROW(tokenizer().encode("\xC0\xAF"), InputError);        // overlong '/'
  EXPECT_THROW(tokenizer().encode("\xED\xA0\x80"), InputError);    // surrogate
  EXPECT_THROW(tokenizer().encode("ok \xFF then"), InputError);
  try {
    tokenizer().encode("ok \xFF then");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("offset 3"), std::string::npos) << e.what();
  }
}

TEST(ClipTokenizer, MissingVocabularyNamesTheFile) {
  try {
    ClipTokenizer("/nonexistent/vocab.txt.gz");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/vocab.txt.gz"), std::string::npos) << e.what();
  }
}

// Texts for the comparison with the Python reference.
std::vector<std::string> reference_texts() {
  return {
      "a photo of a cat",
      "A Photo Of A CAT on a MacBook, iPhone and XKCD",
      // Non-ASCII letters and scripts; Greek final sigma depends on context.
      "café crème brûlée",
      "naïve Zürich Straße İstanbul ǅemal",
      "Ελληνικά κείμενα ΟΔΟΣ ΟΔΟΣ. ΣΑ Σ",
      "русский текст, Ёлка",
      "日本語のテキスト",
      "한국어 문장입니다",
      "emoji 🙂👍🏽 and ❤️ and 👨‍👩‍👧 family",
      "مرحبا بالعالم",
      "हिन्दी में लिखा गया वाक्य",
      "ภาษาไทย",
      "Ⓐⓑ circled and ﬁ ligature",
      // Numbers: one piece per digit, also in other scripts.
      "٣ ४ ５ Ⅻ ½ ²",
      "x² + y³ = ⅞ and ٢٠٢٤",
      "2024",
      "3.14",
      "1,000,000",
      "version 2.0.1-beta",
      // Punctuation runs.
      "!!!",
      "wait... what?!",
      "a—b – c",
      "«quotes» “curly” ‘single’",
      // Contractions (regex IGNORECASE: "'ſ" counts as "'s").
      "it's",
      "IT'S",
      "we'll",
      "I'd",
      "they're, we've, I'm, don't",
      "'s'tart ''s rock 'n' roll",
      "it’s curly",
      "it'ſ long s",
      // HTML references, unescaped twice.
      "fish &amp; chips",
      "&lt;b&gt;bold&lt;/b&gt;",
      "it&#39;s",
      "&amp;amp; &amp;lt;x&amp;gt;",
      "&quot;quoted&quot; &apos;x&apos;",
      "a&nbsp;b &hellip; &mdash; &eacute;t&eacute;",
      "&#x41;&#66;&#128512; &#X1F600",
      "&notit; &amplifier &copy 2024 &unknown; & &#; &#x;",
      "&#0; &#x110000; &#150; &#xD800; &#1; &#13; &#99999999999999999999;",
      "&NotEqualTilde; &CounterClockwiseContourIntegral; &Aacute",
      // Whitespace oddities.
      "tab\tseparated\twords",
      "multiple     spaces",
      "non\u00A0breaking space",
      "ideographic\u3000space",
      "  leading and trailing  ",
      "line\nbreak\r\nwindows",
      "\x1C file sep \x1F inside\x1Ckept",
      "para\u2028sep\u2029x\u0085y",
      "zero\u200Bwidth",
      // Marks and oddities.
      "ᾳ ypogegrammeni \u0345 alone a\u0345b",
      "e\u0301 decomposed",
      "<|startoftext|>hello<|endoftext|>",
      "<|STARTOFTEXT|> upper markers <|ENDOFTEXT|> <|ſtartoftext|> long s",
      "</w> literal",
      "tokenization of supercalifragilisticexpialidocious",
      "",
      "   ",
      long_sentence(),
  };
}

std::string escape_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

std::string join(const std::vector<int32_t>& ids) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
  return out.str();
}

TEST(ClipTokenizer, MatchesPythonReference) {
  const std::vector<std::string> texts = reference_texts();
  ASSERT_GE(texts.size(), 40u);
  testing::TempDir dir;
  {
    std::ofstream in(dir.file("texts.txt"), std::ios::binary);
    for (const std::string& text : texts) in << escape_line(text) << '\n';
  }
  const std::string command = "/usr/bin/python3 " + testing::env_path("DAP_SOURCE_DIR") +
                              "/tests/python/ref_clip_tokenizer.py " +
                              testing::asset("clip/bpe_simple_vocab_16e6.txt.gz") + " " + dir.file("texts.txt") + " " +
                              dir.file("ids.txt");
  ASSERT_EQ(std::system(command.c_str()), 0) << "the Python reference failed: " << command;

  std::ifstream out(dir.file("ids.txt"));
  std::vector<std::string> expected;
  for (std::string line; std::getline(out, line);) expected.push_back(line);
  ASSERT_EQ(expected.size(), texts.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string actual = join(tokenizer().tokenize(texts[i]));
    if (actual == expected[i]) continue;
    if (mismatches++ == 0) {
      ADD_FAILURE() << "first mismatch, text " << i << " \"" << texts[i] << "\"\n  python: " << expected[i]
                    << "\n  c++:    " << actual;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "texts that tokenize differently from the Python reference, of " << texts.size();
}

}  // namespace
}  // namespace dap
