"""Writes test/fixtures/tiny-bert/: a TINY, RANDOMLY INITIALISED multi-exit BERT (not a trained model, never
shipped as one) with golden logits, for the TypeScript parity tests of src/layers/bert.ts.

    /usr/bin/python3 tools/spam/make_test_fixture.py

The forward pass below is written out functionally, independently of tools/spam/model.py, with the semantics of
Hugging Face BertModel (post-LN):
    embeddings   = LayerNorm(word[ids] + token_type[0] + position[0..T-1]), eps = layer_norm_eps (1e-12)
    scores       = q k^T / sqrt(head_dim) + (1 - mask) * finfo(float32).min ; softmax ; context = probs v
    attn_out     = LayerNorm(dense(context) + x)
    layer_out    = LayerNorm(dense(gelu_erf(dense(attn_out))) + attn_out)
    exit k       = classifier(tanh(pooler.dense(layer_k_out[:, 0])))
Names follow HF BERT: bert.embeddings.*, bert.encoder.layer.N.*, plus exits.K.pooler.dense / exits.K.classifier
with K = 0..L-1 (exit K+1), as tools/spam/model.py and tools/spam/export.py write them. If tools/spam/model.py is
importable, its MultiExitBert is loaded with the same state dict and must agree (a cross-check of both).

Files (< 200 kB in all): config.json (HF BERT fields + a "splitee" block), model.safetensors,
golden.safetensors = input_ids [N,T] I32, attention_mask [N,T] I32, labels [N] I32 (random),
hidden_0 (embeddings output) .. hidden_L [N,T,H] F32, exit_1.logits .. exit_L.logits [N,K] F32,
and a 40-token WordPiece tokenizer (vocab.txt, tokenizer.json, tokenizer_config.json) in the layout
tools/spam/tokenization.py writes, so the text commands can run end to end on the fixture.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "resnet"))
import safetensors_io  # noqa: E402  (numpy-only safetensors writer, shared)

OUT = os.path.join(ROOT, "test", "fixtures", "tiny-bert")
CFG = {
    "vocab_size": 40,
    "hidden_size": 32,
    "num_hidden_layers": 3,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "max_position_embeddings": 16,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "num_labels": 3,
}
MAX_LENGTH = 16
VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
         + ["!", ".", "free", "money", "hello", "world", "##s", "the", "spam"])
assert len(VOCAB) == CFG["vocab_size"]


def write_tokenizer():
    """BertNormalizer + BertPreTokenizer + WordPiece ([UNK] for unknown words) + the [CLS] A [SEP] template."""
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                "special": True} for i, t in enumerate(VOCAB[:5])]
    cls, sep = {"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None,
                       "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing", "single": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep],
                           "pair": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep, {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {t: {"id": t, "ids": [i], "tokens": [t]} for i, t in enumerate(VOCAB[:4]) if t != "[UNK]"}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(VOCAB)}},
    }
    with open(os.path.join(OUT, "tokenizer.json"), "w") as f:
        json.dump(tok, f)
    cfg = {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True,
           "model_max_length": MAX_LENGTH, "padding_side": "right", "truncation_side": "right", "cls_token": "[CLS]",
           "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]"}
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(OUT, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB) + "\n")


def random_state(g):
    c = CFG
    h, i, L, K = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["num_labels"]
    sd = {}

    def lin(name, o, n, std):
        sd[f"{name}.weight"] = torch.randn(o, n, generator=g) * std
        sd[f"{name}.bias"] = torch.randn(o, generator=g) * 0.1

    def ln(name):
        sd[f"{name}.weight"] = 1 + 0.1 * torch.randn(h, generator=g)
        sd[f"{name}.bias"] = 0.1 * torch.randn(h, generator=g)

    e = "bert.embeddings"
    sd[f"{e}.word_embeddings.weight"] = torch.randn(c["vocab_size"], h, generator=g)
    sd[f"{e}.position_embeddings.weight"] = 0.5 * torch.randn(c["max_position_embeddings"], h, generator=g)
    sd[f"{e}.token_type_embeddings.weight"] = 0.5 * torch.randn(c["type_vocab_size"], h, generator=g)
    ln(f"{e}.LayerNorm")
    for n in range(L):
        p = f"bert.encoder.layer.{n}"
        for q in ("query", "key", "value"):
            lin(f"{p}.attention.self.{q}", h, h, 0.4 / math.sqrt(h) * 3)
        lin(f"{p}.attention.output.dense", h, h, 1 / math.sqrt(h))
        ln(f"{p}.attention.output.LayerNorm")
        lin(f"{p}.intermediate.dense", i, h, 1 / math.sqrt(h))
        lin(f"{p}.output.dense", h, i, 1 / math.sqrt(i))
        ln(f"{p}.output.LayerNorm")
    for k in range(L):
        lin(f"exits.{k}.pooler.dense", h, h, 1 / math.sqrt(h))
        lin(f"exits.{k}.classifier", K, h, 1.0)
    return {k: v.float().contiguous() for k, v in sd.items()}


def forward(sd, ids, mask):
    """Returns (hidden states [L+1] of [N,T,H], exit logits [L] of [N,K]); float32 throughout, as PyTorch eval."""
    c = CFG
    h, heads, eps, L = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"], c["num_hidden_layers"]
    d = h // heads
    N, T = ids.shape
    e = "bert.embeddings"
    x = sd[f"{e}.word_embeddings.weight"][ids] + sd[f"{e}.token_type_embeddings.weight"][torch.zeros_like(ids)]
    x = x + sd[f"{e}.position_embeddings.weight"][torch.arange(T)][None]
    x = F.layer_norm(x, (h,), sd[f"{e}.LayerNorm.weight"], sd[f"{e}.LayerNorm.bias"], eps)
    ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    hs, logits = [x], []
    for n in range(L):
        p = f"bert.encoder.layer.{n}"

        def lin(name, v):
            return F.linear(v, sd[f"{p}.{name}.weight"], sd[f"{p}.{name}.bias"])

        def split(v):
            return v.view(N, T, heads, d).transpose(1, 2)

        q, k, v = (split(lin(f"attention.self.{s}", x)) for s in ("query", "key", "value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + ext, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(N, T, h)
        a = F.layer_norm(lin("attention.output.dense", ctx) + x, (h,),
                         sd[f"{p}.attention.output.LayerNorm.weight"], sd[f"{p}.attention.output.LayerNorm.bias"], eps)
        f = F.gelu(lin("intermediate.dense", a))  # erf GELU (approximate='none')
        x = F.layer_norm(lin("output.dense", f) + a, (h,), sd[f"{p}.output.LayerNorm.weight"], sd[f"{p}.output.LayerNorm.bias"], eps)
        hs.append(x)
        pooled = torch.tanh(F.linear(x[:, 0], sd[f"exits.{n}.pooler.dense.weight"], sd[f"exits.{n}.pooler.dense.bias"]))
        logits.append(F.linear(pooled, sd[f"exits.{n}.classifier.weight"], sd[f"exits.{n}.classifier.bias"]))
    return hs, logits


def inputs(g):
    """Right-padded rows of lengths 16 (full), 9, 2 ([CLS][SEP] only), 5, 12 and 1; [CLS]=2, [SEP]=3, [PAD]=0."""
    lengths = [16, 9, 2, 5, 12, 1]
    ids = torch.zeros(len(lengths), MAX_LENGTH, dtype=torch.long)
    mask = torch.zeros(len(lengths), MAX_LENGTH, dtype=torch.long)
    for r, n in enumerate(lengths):
        body = torch.randint(5, CFG["vocab_size"], (max(0, n - 2),), generator=g)
        row = torch.cat([torch.tensor([2]), body, torch.tensor([3])])[:n]
        ids[r, :n] = row
        mask[r, :n] = 1
    return ids, mask


def cross_check(sd, ids, mask, logits):
    try:
        sys.path.insert(0, HERE)
        from model import MultiExitBert  # tools/spam/model.py
    except Exception as err:  # the fixture does not depend on it
        print(f"cross-check with tools/spam/model.py skipped: {err}")
        return
    cfg = dict(CFG, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, initializer_range=0.02)
    m = MultiExitBert(cfg)
    m.load_state_dict(sd)
    m.eval()
    with torch.no_grad():
        theirs = m(ids, mask)
    diff = max(float((a - b).abs().max()) for a, b in zip(theirs, logits))
    print(f"cross-check with tools/spam/model.py: max |diff| = {diff:.3g}")
    assert diff < 1e-5, diff


def main():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(20240611)
    sd = random_state(g)
    ids, mask = inputs(g)
    with torch.no_grad():
        hs, logits = forward(sd, ids, mask)
    cross_check(sd, ids, mask, logits)
    os.makedirs(OUT, exist_ok=True)
    meta = {"model_id": "tiny-bert-random", "note": "RANDOM weights, test fixture only (tools/spam/make_test_fixture.py)"}
    write_tokenizer()
    safetensors_io.save(os.path.join(OUT, "model.safetensors"), {k: v.numpy() for k, v in sd.items()}, meta)
    golden = {"input_ids": ids.numpy().astype(np.int32), "attention_mask": mask.numpy().astype(np.int32),
              "labels": torch.randint(0, CFG["num_labels"], (ids.shape[0],), generator=g).numpy().astype(np.int32)}
    for s, x in enumerate(hs):
        golden[f"hidden_{s}"] = x.numpy().astype(np.float32)
    for k, lg in enumerate(logits):
        golden[f"exit_{k + 1}.logits"] = lg.numpy().astype(np.float32)
    safetensors_io.save(os.path.join(OUT, "golden.safetensors"), golden, meta)
    L = CFG["num_hidden_layers"]
    config = dict(
        {"architectures": ["BertMultiExit"], "model_type": "bert"}, **CFG,
        position_embedding_type="absolute", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
        id2label={"0": "a", "1": "b", "2": "c"}, label2id={"a": 0, "b": 1, "c": 2},
        splitee={
            "format": "splitee-model/1", "id": "tiny-bert-random", "architecture": "bert-multi-exit",
            "num_classes": CFG["num_labels"], "classes": ["a", "b", "c"], "max_length": MAX_LENGTH,
            "note": "RANDOM weights: a test fixture for the parity tests, not a model",
            "exits": [{"index": k + 1, "after_layer": k + 1, "pooler": f"exits.{k}.pooler.dense",
                       "classifier": f"exits.{k}.classifier"} for k in range(L)],
        })
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {OUT} ({size} bytes); exit 1 logits row 0: {logits[0][0].tolist()}")


if __name__ == "__main__":
    main()
