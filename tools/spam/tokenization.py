"""BERT WordPiece tokenization, written to give exactly the ids of @huggingface/tokenizers (tokenizers.js 0.2.0)
for the tokenizer.json that `write_tokenizer_files` writes. tools/spam/check_tokenizer.ts verifies the equality on
every email of the corpus and on hand-made odd texts.

tokenizers.js details mirrored here (they differ in corners from Google's BERT and from the Rust crate):
- added (special) tokens are split out of the raw text first, verbatim, longest match left to right;
- BertNormalizer.clean_text iterates code points, drops U+0000, U+FFFD and categories Cc/Cf/Co/Cs except
  \\t \\n \\r, and maps JavaScript `\\s` characters to " ";
- CJK spacing tests UTF-16 code units, so only BMP ideographs are spaced;
- lowercase = JS toLowerCase (Python str.lower: both full Unicode mappings with final sigma), then strip accents
  = NFD and drop category Mn;
- BertPreTokenizer: JS trim, then `[^\\s P]+|[P]` where P = \\p{P} plus ASCII ! to /, : to @, [ to `, { to ~;
- WordPiece: greedy longest match over code points, "##" continuation, words of more than 100 code points and
  words with an unmatchable piece become [UNK];
- the post processor is [CLS] $A [SEP]; tokenizers.js does NOT truncate, so callers truncate: the content is cut to
  max_length - 2 tokens, then wrapped in [CLS] ... [SEP] (what BERT's truncation gives for a single sequence).
"""
from __future__ import annotations

import collections
import heapq
import json
import unicodedata

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, UNK, CLS, SEP, MASK = range(5)
MAX_LENGTH = 128
MAX_INPUT_CHARS_PER_WORD = 100

# JavaScript's \s (WhiteSpace + LineTerminator), which is also what String.prototype.trim removes
JS_WS = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {chr(c) for c in range(0x2000, 0x200B)}


def _is_js_punct(ch: str) -> bool:
    c = ord(ch)
    if 0x21 <= c <= 0x2F or 0x3A <= c <= 0x40 or 0x5B <= c <= 0x60 or 0x7B <= c <= 0x7E:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_bmp(c: int) -> bool:
    # tokenizers.js tests UTF-16 code units: astral ranges can never match
    return (0x4E00 <= c <= 0x9FFF) or (0x3400 <= c <= 0x4DBF) or (0xF900 <= c <= 0xFAFF)


_CONTROL_CATS = {"Cc", "Cf", "Co", "Cs"}


def normalize(text: str) -> str:
    out = []
    for ch in text:
        c = ord(ch)
        if c == 0 or c == 0xFFFD:
            continue
        if ch not in "\t\n\r" and unicodedata.category(ch) in _CONTROL_CATS:
            continue
        if ch in JS_WS:
            out.append(" ")
        elif c <= 0xFFFF and _is_chinese_bmp(c):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = "".join(out).lower()
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def pre_tokenize(text: str) -> list[str]:
    words: list[str] = []
    cur: list[str] = []
    for ch in text:
        if ch in JS_WS:
            if cur:
                words.append("".join(cur))
                cur = []
        elif _is_js_punct(ch):
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(ch)
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def split_specials(text: str) -> list[tuple[str, bool]]:
    """[(section, is_special)] as tokenizers.js's DictionarySplitter over the special tokens."""
    out: list[tuple[str, bool]] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        if text[i] == "[":
            match = None
            for s in SPECIALS:  # none is a prefix of another
                if text.startswith(s, i):
                    match = s
                    break
            if match:
                if i > start:
                    out.append((text[start:i], False))
                out.append((match, True))
                i += len(match)
                start = i
                continue
        i += 1
    if start < n:
        out.append((text[start:], False))
    return out


def basic_words(text: str) -> list[str]:
    """Normalized pre-tokens of a text without special tokens (used for vocabulary building)."""
    return pre_tokenize(normalize(text))


class WordPiece:
    def __init__(self, vocab: list[str]):
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.cache: dict[str, list[int]] = {}

    def word_ids(self, word: str) -> list[int]:
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        if len(word) > MAX_INPUT_CHARS_PER_WORD:
            res = [UNK]
        else:
            res = []
            start = 0
            n = len(word)
            while start < n:
                end = n
                cur = None
                while start < end:
                    sub = word[start:end]
                    if start > 0:
                        sub = "##" + sub
                    if sub in self.ids:
                        cur = self.ids[sub]
                        break
                    end -= 1
                if cur is None:
                    res = [UNK]
                    break
                res.append(cur)
                start = end
        if len(self.cache) < 500_000:
            self.cache[word] = res
        return res

    def encode_content(self, text: str) -> list[int]:
        """Ids without [CLS]/[SEP] and without truncation (tokenizers.js `encode(text, {add_special_tokens: false})`)."""
        ids: list[int] = []
        for section, special in split_specials(text):
            if special:
                ids.append(self.ids[section])
                continue
            norm = normalize(section)
            if not norm:
                continue
            for w in pre_tokenize(norm.strip("".join(JS_WS))):
                ids.extend(self.word_ids(w))
        return ids

    def encode(self, text: str, max_length: int = MAX_LENGTH) -> list[int]:
        """[CLS] + content[:max_length-2] + [SEP]: the training-time ids."""
        return [CLS] + self.encode_content(text)[: max_length - 2] + [SEP]


def train_wordpiece(texts, vocab_size: int, min_word_count: int = 2, min_char_count: int = 1) -> list[str]:
    """A WordPiece vocabulary by BPE merges over word counts (what HF's WordPieceTrainer does):
    specials, then every character seen (min_char_count) as a word start and as a "##" continuation,
    then merged pieces in merge order until vocab_size. Ties are broken by the pair's text, so it is deterministic."""
    counts: collections.Counter[str] = collections.Counter()
    for t in texts:
        for section, special in split_specials(t):
            if not special:
                counts.update(basic_words(section))
    char_counts: collections.Counter[str] = collections.Counter()
    for w, c in counts.items():
        for i, ch in enumerate(w):
            char_counts[ch if i == 0 else "##" + ch] += c
    vocab = list(SPECIALS)
    seen = set(vocab)
    alphabet = sorted({k.removeprefix("##") for k, c in char_counts.items() if c >= min_char_count})
    for ch in alphabet:
        for tok in (ch, "##" + ch):
            if tok not in seen:
                vocab.append(tok)
                seen.add(tok)
    words = [(w, c) for w, c in counts.items() if c >= min_word_count and len(w) <= MAX_INPUT_CHARS_PER_WORD]
    words.sort(key=lambda x: (-x[1], x[0]))
    seqs = [[w[0]] + ["##" + ch for ch in w[1:]] for w, _ in words]
    freqs = [c for _, c in words]
    pair_counts: collections.Counter[tuple[str, str]] = collections.Counter()
    where: dict[tuple[str, str], set[int]] = collections.defaultdict(set)
    for wi, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pair_counts[(a, b)] += freqs[wi]
            where[(a, b)].add(wi)

    def merged(a: str, b: str) -> str:
        return a + b[2:]

    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        negc, pair = heapq.heappop(heap)
        c = pair_counts.get(pair, 0)
        if c <= 0:
            continue
        if -negc != c:
            heapq.heappush(heap, (-c, pair))
            continue
        if c < 2:
            break
        a, b = pair
        new = merged(a, b)
        if new not in seen:
            vocab.append(new)
            seen.add(new)
        touched: collections.Counter[tuple[str, str]] = collections.Counter()
        for wi in list(where[pair]):
            s = seqs[wi]
            f = freqs[wi]
            for x, y in zip(s, s[1:]):
                pair_counts[(x, y)] -= f
                touched[(x, y)] += 0
            out = []
            i = 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[wi] = out
            for x, y in zip(out, out[1:]):
                pair_counts[(x, y)] += f
                where[(x, y)].add(wi)
                touched[(x, y)] += 0
        for p in touched:
            if pair_counts[p] > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
        pair_counts[pair] = 0
    return vocab


def tokenizer_json(vocab: list[str], max_length: int = MAX_LENGTH) -> dict:
    ids = {t: i for i, t in enumerate(vocab)}
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": None,
        "added_tokens": [
            {"id": ids[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for s in SPECIALS
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {s: {"id": s, "ids": [ids[s]], "tokens": [s]} for s in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": MAX_INPUT_CHARS_PER_WORD, "vocab": ids},
    }


def tokenizer_config(max_length: int = MAX_LENGTH) -> dict:
    return {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "model_max_length": max_length,
        "padding_side": "right",
        "truncation_side": "right",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "mask_token": "[MASK]",
        "clean_up_tokenization_spaces": True,
    }


def write_tokenizer_files(vocab: list[str], out_dir: str, max_length: int = MAX_LENGTH) -> None:
    import os
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        for t in vocab:
            f.write(t + "\n")
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, max_length), f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config(max_length), f, indent=2)
        f.write("\n")


def read_vocab(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]
