#!/usr/bin/python3
"""Reference CLIP BPE tokenizer, after OpenAI CLIP's clip/simple_tokenizer.py
and clip.tokenize(truncate=True), for comparing the C++ ClipTokenizer with.

Same steps as CLIP: html.unescape twice, strip, whitespace runs -> ' ', strip,
str.lower(), CLIP's regex (python3-regex), byte-level BPE. ftfy.fix_text is
skipped: it is not packaged in Debian 12 (the C++ tokenizer skips it too).

Usage: ref_clip_tokenizer.py VOCAB.gz IN.txt OUT.txt [CONTEXT_LENGTH]
IN.txt is UTF-8, one text per line ending in '\n'; inside a text "\\" stands
for a backslash, "\n" and "\r" for those characters. OUT.txt gets one line per
text: the space-separated ids of tokenize(text, context_length, truncate=True).
"""
import gzip
import html
import sys

import regex

SOT, EOT = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode():
    """Byte -> printable stand-in: printable Latin-1 bytes stay, the rest get U+0100..."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class Tokenizer:
    def __init__(self, vocab_path):
        self.byte_encoder = bytes_to_unicode()
        lines = gzip.open(vocab_path).read().decode("utf-8").split("\n")
        merges = [tuple(line.split()) for line in lines[1:49152 - 256 - 2 + 1]]
        assert len(merges) == 48894, len(merges)
        vocab = list(self.byte_encoder.values())
        vocab += [v + "</w>" for v in vocab]
        vocab += ["".join(merge) for merge in merges]
        vocab += [SOT, EOT]
        assert len(vocab) == 49408
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.ranks = {merge: i for i, merge in enumerate(merges)}
        self.cache = {SOT: SOT, EOT: EOT}
        self.pattern = regex.compile(
            r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
            regex.IGNORECASE)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            best = min(pairs, key=lambda pair: self.ranks.get(pair, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()       # basic_clean without ftfy
        text = regex.sub(r"\s+", " ", text).strip().lower()    # whitespace_clean, then lower
        ids = []
        for piece in self.pattern.findall(text):
            piece = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids += [self.encoder[token] for token in self.bpe(piece).split(" ")]
        return ids

    def tokenize(self, text, context_length=77):
        tokens = [self.encoder[SOT]] + self.encode(text) + [self.encoder[EOT]]
        if len(tokens) > context_length:
            tokens = tokens[:context_length]
            tokens[-1] = self.encoder[EOT]
        return tokens + [0] * (context_length - len(tokens))


def unescape_line(line):
    return regex.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "\\": "\\"}[m.group(1)], line, flags=regex.DOTALL)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    vocab_path, in_path, out_path = sys.argv[1:4]
    context_length = int(sys.argv[4]) if len(sys.argv) == 5 else 77
    tokenizer = Tokenizer(vocab_path)
    with open(in_path, encoding="utf-8", newline="") as f:
        texts = [unescape_line(line) for line in f.read().split("\n")[:-1]]
    with open(out_path, "w", encoding="utf-8") as f:
        for text in texts:
            f.write(" ".join(map(str, tokenizer.tokenize(text, context_length))) + "\n")


if __name__ == "__main__":
    main()
