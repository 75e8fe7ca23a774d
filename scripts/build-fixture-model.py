#!/usr/bin/python3
"""Build the tiny BERT test fixture ``test/fixtures/models/localrank-tiny-bert``.

Run from anywhere with Debian's python (it has python3-onnx and numpy; the
pyenv ``python3`` on PATH does not):

    /usr/bin/python3 scripts/build-fixture-model.py

What it does, deterministically (fixed seed, no network):

1. Reads the real uncased BERT WordPiece tokenizer (default
   ``../shared/models/bert-base-uncased-tokenizer`` relative to the repository
   root; override with ``--tokenizer-dir``).
2. Tokenises the test texts with a Python port of BERT's BasicTokenizer +
   WordPiece, builds a REDUCED vocabulary (special tokens, every single
   character, every ``##`` + single character, the first N ordinary words in
   vocab order, and every piece the full vocab produces for the test texts),
   re-indexes it in the original relative order, and asserts that the reduced
   vocab tokenises every test text into exactly the same pieces.
3. Creates random BERT weights (2 layers, hidden 64) in which the word
   embeddings dominate, so texts that share words are clearly more similar
   than texts that share none.
4. Writes ``onnx/model.onnx`` (fp32) and ``onnx/model_quantized.onnx`` (int8,
   dynamic quantisation in the style of onnxruntime's ``quantize_dynamic``).
5. Computes reference embeddings with an independent numpy (float64) BERT
   forward pass, checks both ONNX graphs against it (``onnx.checker`` plus a
   small numpy ONNX interpreter; ``onnx.reference.ReferenceEvaluator`` as well
   when the installed onnx has it, i.e. onnx >= 1.13), and writes
   ``reference.json`` and the tokenizer/config files transformers.js reads.

``--hidden``, ``--layers``, ``--heads``, ``--intermediate`` and ``--model-id``
build a larger throwaway model into another ``--out`` (``npm run bench:rank``
builds a hidden-384 one); their defaults build the committed fixture.
"""

import argparse
import hashlib
import json
import math
import os
import sys
import unicodedata

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TOKENIZER_DIR = os.path.join(REPO_ROOT, "..", "shared", "models", "bert-base-uncased-tokenizer")
DEFAULT_OUT_DIR = os.path.join(REPO_ROOT, "test", "fixtures", "models", "localrank-tiny-bert")
MODEL_ID = "localrank-tiny-bert"

SEED = 20240611
HIDDEN = 64
LAYERS = 2
HEADS = 2
HEAD_DIM = HIDDEN // HEADS
INTERMEDIATE = 128
MAX_LEN = 64
TYPE_VOCAB = 2
LN_EPS = 1e-12
OPSET = 14
IR_VERSION = 8
DEFAULT_WORDS = 3000
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

LONG_TEXT = (
    "This all-day trail running shoe pairs a grippy rubber outsole with a "
    "cushioned foam midsole, so you can move from rocky mountain paths to city "
    "streets without changing your shoes. The breathable mesh upper keeps your "
    "feet cool on long summer runs, while a protective toe cap and a firm heel "
    "counter add support on steep and uneven ground. A gusseted tongue keeps "
    "small stones and sand out, and the quick lace system lets you adjust the "
    "fit with one hand. Each pair weighs about nine ounces, comes in six colors "
    "and is made in part from recycled materials. Whether you train for your "
    "first race or explore new trails every weekend, these shoes give you "
    "comfort, control and confidence for many miles."
)

TEST_TEXTS = [
    "trail running shoes",
    "running shoes for trail runners",
    "lightweight road running shoes for men",
    "waterproof hiking boots with ankle support",
    "stainless steel chef knife",
    "8-inch Japanese kitchen knife set with wooden block",
    "non-stick frying pan, 12 inch",
    "cast iron skillet and dutch oven cookware set",
    "wireless noise cancelling headphones",
    "Bluetooth over-ear headphones with microphone",
    "USB-C charging cable, 2 m, 60W",
    "organic green tea, 100 bags",
    "Crème brûlée torch — café edition!",
    "日本matcha green tea powder",
    "yoga mat with carrying strap",
    "children's picture book about dinosaurs",
    "LED desk lamp with adjustable brightness",
    "espresso machine with milk frother",
    "men's cotton t-shirt, size XL",
    "4K ultra HD smart TV, 55 inch screen",
    LONG_TEXT,
]

# (anchor, related, unrelated, margin): cos(anchor, related) must beat cos(anchor, unrelated) by margin.
SIMILARITY_CHECKS = [
    ("trail running shoes", "running shoes for trail runners", "stainless steel chef knife", 0.2),
    ("wireless noise cancelling headphones", "Bluetooth over-ear headphones with microphone", "cast iron skillet and dutch oven cookware set", 0.1),
    ("stainless steel chef knife", "8-inch Japanese kitchen knife set with wooden block", "yoga mat with carrying strap", 0.1),
]


# --------------------------------------------------------------------------
# Tokenisation: BERT BasicTokenizer (as HF's BertNormalizer + BertPreTokenizer)
# and greedy longest-match-first WordPiece.
# --------------------------------------------------------------------------

def _is_whitespace(ch):
    if ch in " \t\n\r":
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_char(cp):
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_tokenize(text):
    """Clean text, pad CJK chars, lowercase, strip accents, split on whitespace and punctuation."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        out.append(" " if _is_whitespace(ch) else ch)
    text = "".join(out)
    out = []
    for ch in text:
        if _is_chinese_char(ord(ch)):
            out.extend([" ", ch, " "])
        else:
            out.append(ch)
    text = "".join(out).lower()
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    words = []
    for chunk in text.split():
        current = []
        for ch in chunk:
            if _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
    return words


def wordpiece(words, vocab, unk="[UNK]", max_chars=100):
    pieces = []
    for word in words:
        if len(word) > max_chars:
            pieces.append(unk)
            continue
        start = 0
        sub = []
        bad = False
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                s = word[start:end]
                if start > 0:
                    s = "##" + s
                if s in vocab:
                    found = s
                    break
                end -= 1
            if found is None:
                bad = True
                break
            sub.append(found)
            start = end
        pieces.extend([unk] if bad else sub)
    return pieces


def tokenize(text, vocab):
    return wordpiece(basic_tokenize(text), vocab)


def encode_hf(pieces, max_len=MAX_LEN):
    """HF Python/Rust semantics: truncate the pieces so [CLS] ... [SEP] fits max_len."""
    return ["[CLS]"] + pieces[: max_len - 2] + ["[SEP]"]


def encode_transformers_js(pieces, max_len=MAX_LEN):
    """transformers.js 4.3.1 semantics: add [CLS]/[SEP], then cut the whole sequence to max_len."""
    return (["[CLS]"] + pieces + ["[SEP]"])[:max_len]


# --------------------------------------------------------------------------
# Weights and the independent numpy forward pass
# --------------------------------------------------------------------------

def make_weights(vocab_size, seed=SEED):
    rs = np.random.RandomState(seed)

    def n(shape, std):
        return (rs.standard_normal(shape) * std).astype(np.float32)

    def ln_params():
        return (1.0 + n((HIDDEN,), 0.05)).astype(np.float32), n((HIDDEN,), 0.02)

    w = {
        # Word identity dominates: N(0, 1) words, small positions and token types.
        "word": n((vocab_size, HIDDEN), 1.0),
        "pos": n((MAX_LEN, HIDDEN), 0.05),
        "type": n((TYPE_VOCAB, HIDDEN), 0.05),
    }
    w["emb_ln_g"], w["emb_ln_b"] = ln_params()
    # Matrix stds were tuned for hidden 64 / intermediate 128; scaled by fan-in for other sizes so
    # the layers keep the same output scale (word identity still dominates). Exactly 1.0 by default.
    fh = math.sqrt(64 / HIDDEN)
    fi = math.sqrt(128 / INTERMEDIATE)
    w["layers"] = []
    for _ in range(LAYERS):
        lw = {
            "q_w": n((HIDDEN, HIDDEN), 0.12 * fh), "q_b": n((HIDDEN,), 0.02),
            "k_w": n((HIDDEN, HIDDEN), 0.12 * fh), "k_b": n((HIDDEN,), 0.02),
            "v_w": n((HIDDEN, HIDDEN), 0.06 * fh), "v_b": n((HIDDEN,), 0.02),
            "o_w": n((HIDDEN, HIDDEN), 0.06 * fh), "o_b": n((HIDDEN,), 0.02),
            "i_w": n((HIDDEN, INTERMEDIATE), 0.10 * fh), "i_b": n((INTERMEDIATE,), 0.02),
            "f_w": n((INTERMEDIATE, HIDDEN), 0.06 * fi), "f_b": n((HIDDEN,), 0.02),
        }
        lw["ln1_g"], lw["ln1_b"] = ln_params()
        lw["ln2_g"], lw["ln2_b"] = ln_params()
        w["layers"].append(lw)
    return w


_erf = np.vectorize(math.erf, otypes=[np.float64])


def np_layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LN_EPS) * g + b


def np_bert(ids, w):
    """float64 BERT forward for ONE unpadded sequence (all token_type_ids 0). Returns [seq, hidden]."""
    f = lambda a: np.asarray(a, dtype=np.float64)
    s = len(ids)
    x = f(w["word"])[ids] + f(w["pos"])[:s] + f(w["type"])[0]
    x = np_layer_norm(x, f(w["emb_ln_g"]), f(w["emb_ln_b"]))
    for lw in w["layers"]:
        lw = {k: f(v) for k, v in lw.items()}
        heads = lambda t: t.reshape(s, HEADS, HEAD_DIM).transpose(1, 0, 2)
        q = heads(x @ lw["q_w"] + lw["q_b"])
        k = heads(x @ lw["k_w"] + lw["k_b"])
        v = heads(x @ lw["v_w"] + lw["v_b"])
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(HEAD_DIM)
        scores = scores - scores.max(-1, keepdims=True)
        p = np.exp(scores)
        p = p / p.sum(-1, keepdims=True)
        ctx = (p @ v).transpose(1, 0, 2).reshape(s, HIDDEN)
        x = np_layer_norm(x + ctx @ lw["o_w"] + lw["o_b"], lw["ln1_g"], lw["ln1_b"])
        h = x @ lw["i_w"] + lw["i_b"]
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))  # exact erf GELU
        x = np_layer_norm(x + h @ lw["f_w"] + lw["f_b"], lw["ln2_g"], lw["ln2_b"])
    return x


def mean_pool_normalize(hidden, mask):
    mask = np.asarray(mask, dtype=np.float64)[..., None]
    pooled = (np.asarray(hidden, dtype=np.float64) * mask).sum(-2) / mask.sum(-2)
    return pooled / np.linalg.norm(pooled, axis=-1, keepdims=True)


def cos(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------
# ONNX graphs
# --------------------------------------------------------------------------

class GraphBuilder:
    def __init__(self, quantized):
        self.quantized = quantized
        self.nodes = []
        self.inits = []
        self.count = 0

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, name, n_out=1, **attrs):
        self.count += 1
        outs = [name] if n_out == 1 else [f"{name}_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=f"{op_type}_{self.count}_{name}", **attrs))
        return outs[0] if n_out == 1 else outs

    def linear(self, x, weight, bias, prefix):
        """x @ weight + bias; int8 MatMulInteger path when quantized (like quantize_dynamic, per channel)."""
        if not self.quantized:
            y = self.op("MatMul", [x, self.init(prefix + ".weight", weight)], prefix + "/MatMul")
        else:
            scale = (np.abs(weight).max(axis=0) / 127.0).astype(np.float32)
            scale[scale == 0] = 1.0
            q = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
            xq, xs, xzp = self.op("DynamicQuantizeLinear", [x], prefix + "/x_quant", n_out=3)
            acc = self.op(
                "MatMulInteger",
                [xq, self.init(prefix + ".weight_quantized", q), xzp,
                 self.init(prefix + ".weight_zero_point", np.zeros(weight.shape[1], np.int8))],
                prefix + "/MatMulInteger",
            )
            accf = self.op("Cast", [acc], prefix + "/MatMulInteger_float", to=TensorProto.FLOAT)
            s = self.op("Mul", [xs, self.init(prefix + ".weight_scale", scale)], prefix + "/scale")
            y = self.op("Mul", [accf, s], prefix + "/MatMul")
        return self.op("Add", [y, self.init(prefix + ".bias", bias)], prefix + "/Add")

    def layer_norm(self, x, g, b, prefix):
        mean = self.op("ReduceMean", [x], prefix + "/mean", axes=[-1], keepdims=1)
        d = self.op("Sub", [x, mean], prefix + "/centered")
        sq = self.op("Mul", [d, d], prefix + "/squared")
        var = self.op("ReduceMean", [sq], prefix + "/var", axes=[-1], keepdims=1)
        ve = self.op("Add", [var, self.init(prefix + ".eps", np.array(LN_EPS, np.float32))], prefix + "/var_eps")
        sd = self.op("Sqrt", [ve], prefix + "/std")
        nrm = self.op("Div", [d, sd], prefix + "/normalized")
        sc = self.op("Mul", [nrm, self.init(prefix + ".weight", g)], prefix + "/scaled")
        return self.op("Add", [sc, self.init(prefix + ".bias", b)], prefix + "/output")


def build_onnx(w, quantized):
    gb = GraphBuilder(quantized)
    i64 = lambda v: np.array(v, dtype=np.int64)

    # Embeddings.
    if quantized:
        table = w["word"]
        row_scale = (np.abs(table).max(axis=1, keepdims=True) / 127.0).astype(np.float32)
        row_scale[row_scale == 0] = 1.0
        qtable = np.clip(np.rint(table / row_scale), -127, 127).astype(np.int8)
        gq = gb.op("Gather", [gb.init("embeddings.word_embeddings.weight_quantized", qtable), "input_ids"], "emb/word_q")
        gs = gb.op("Gather", [gb.init("embeddings.word_embeddings.weight_row_scale", row_scale), "input_ids"], "emb/word_scale")
        gf = gb.op("Cast", [gq], "emb/word_float", to=TensorProto.FLOAT)
        word = gb.op("Mul", [gf, gs], "emb/word")
    else:
        word = gb.op("Gather", [gb.init("embeddings.word_embeddings.weight", w["word"]), "input_ids"], "emb/word")
    shape = gb.op("Shape", ["input_ids"], "emb/input_shape")
    seq_len = gb.op("Slice", [shape, gb.init("const.one", i64([1])), gb.init("const.two", i64([2])), gb.init("const.zero", i64([0]))], "emb/seq_len")
    pos = gb.op("Slice", [gb.init("embeddings.position_embeddings.weight", w["pos"]), "const.zero", seq_len, "const.zero"], "emb/position")
    tt = gb.op("Gather", [gb.init("embeddings.token_type_embeddings.weight", w["type"]), "token_type_ids"], "emb/token_type")
    x = gb.op("Add", [word, pos], "emb/word_pos")
    x = gb.op("Add", [x, tt], "emb/sum")
    x = gb.layer_norm(x, w["emb_ln_g"], w["emb_ln_b"], "embeddings.LayerNorm")

    # Additive attention mask [batch, 1, 1, seq]: 0 where attended, float32 min where padded.
    m = gb.op("Cast", ["attention_mask"], "mask/float", to=TensorProto.FLOAT)
    m = gb.op("Unsqueeze", [m, gb.init("const.axes_1_2", i64([1, 2]))], "mask/unsqueezed")
    m = gb.op("Sub", [gb.init("const.one_f", np.array(1.0, np.float32)), m], "mask/inverted")
    add_mask = gb.op("Mul", [m, gb.init("const.mask_min", np.array(np.finfo(np.float32).min, np.float32))], "mask/additive")

    gb.init("const.split_heads", i64([0, 0, HEADS, HEAD_DIM]))
    gb.init("const.merge_heads", i64([0, 0, HIDDEN]))
    gb.init("const.inv_sqrt_head_dim", np.array(1.0 / math.sqrt(HEAD_DIM), np.float32))
    gb.init("const.half", np.array(0.5, np.float32))
    gb.init("const.inv_sqrt2", np.array(1.0 / math.sqrt(2.0), np.float32))
    for li, lw in enumerate(w["layers"]):
        p = f"encoder.layer.{li}"
        q = gb.linear(x, lw["q_w"], lw["q_b"], p + ".attention.self.query")
        k = gb.linear(x, lw["k_w"], lw["k_b"], p + ".attention.self.key")
        v = gb.linear(x, lw["v_w"], lw["v_b"], p + ".attention.self.value")
        q = gb.op("Transpose", [gb.op("Reshape", [q, "const.split_heads"], p + "/q_split")], p + "/q_heads", perm=[0, 2, 1, 3])
        k = gb.op("Transpose", [gb.op("Reshape", [k, "const.split_heads"], p + "/k_split")], p + "/k_heads_t", perm=[0, 2, 3, 1])
        v = gb.op("Transpose", [gb.op("Reshape", [v, "const.split_heads"], p + "/v_split")], p + "/v_heads", perm=[0, 2, 1, 3])
        s = gb.op("MatMul", [q, k], p + "/scores_raw")
        s = gb.op("Mul", [s, "const.inv_sqrt_head_dim"], p + "/scores_scaled")
        s = gb.op("Add", [s, add_mask], p + "/scores_masked")
        probs = gb.op("Softmax", [s], p + "/probs", axis=-1)
        ctx = gb.op("MatMul", [probs, v], p + "/context_heads")
        ctx = gb.op("Transpose", [ctx], p + "/context_t", perm=[0, 2, 1, 3])
        ctx = gb.op("Reshape", [ctx, "const.merge_heads"], p + "/context")
        a = gb.linear(ctx, lw["o_w"], lw["o_b"], p + ".attention.output.dense")
        x = gb.layer_norm(gb.op("Add", [a, x], p + "/attention_residual"), lw["ln1_g"], lw["ln1_b"], p + ".attention.output.LayerNorm")
        h = gb.linear(x, lw["i_w"], lw["i_b"], p + ".intermediate.dense")
        e = gb.op("Erf", [gb.op("Mul", [h, "const.inv_sqrt2"], p + "/gelu_div")], p + "/gelu_erf")
        e = gb.op("Add", [e, "const.one_f"], p + "/gelu_add")
        h = gb.op("Mul", [gb.op("Mul", [h, e], p + "/gelu_mul"), "const.half"], p + "/gelu")
        f = gb.linear(h, lw["f_w"], lw["f_b"], p + ".output.dense")
        x = gb.layer_norm(gb.op("Add", [f, x], p + "/ffn_residual"), lw["ln2_g"], lw["ln2_b"], p + ".output.LayerNorm")
    gb.op("Identity", [x], "last_hidden_state")

    dyn = ["batch_size", "sequence_length"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dyn) for n in ("input_ids", "attention_mask", "token_type_ids")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dyn + [HIDDEN])]
    graph = helper.make_graph(gb.nodes, "localrank_tiny_bert" + ("_quantized" if quantized else ""), inputs, outputs, gb.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="localrank/scripts/build-fixture-model.py")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------
# A small numpy interpreter for the ONNX ops used above (onnx 1.12 has no
# onnx.reference). It runs the serialized graph node by node, following the
# ONNX operator specs, independently of np_bert().
# --------------------------------------------------------------------------

_NP_TYPES = {TensorProto.FLOAT: np.float32, TensorProto.INT64: np.int64, TensorProto.INT32: np.int32,
             TensorProto.INT8: np.int8, TensorProto.UINT8: np.uint8}


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _slice(data, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else [a % data.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    idx = [slice(None)] * data.ndim
    for st, en, ax, sp in zip(starts, ends, axes, steps):
        idx[ax] = slice(int(max(min(st, data.shape[ax]), -data.shape[ax] - 1)), int(max(min(en, data.shape[ax]), -data.shape[ax] - 1)), int(sp))
    return data[tuple(idx)]


def _reshape(data, shape):
    shape = [data.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return data.reshape(shape)


def _dynamic_quantize_linear(x):
    x = x.astype(np.float32)
    rmin = min(0.0, float(x.min()))
    rmax = max(0.0, float(x.max()))
    scale = np.float32((rmax - rmin) / 255.0)
    zp = np.uint8(np.clip(np.rint(np.float32(-rmin) / scale), 0, 255))
    y = np.clip(np.rint(x / scale) + zp, 0, 255).astype(np.uint8)  # np.rint rounds half to even, as specified
    return y, np.array(scale, np.float32), np.array(zp, np.uint8)


def _matmul_integer(a, b, a_zp, b_zp):
    a = a.astype(np.int32) - np.asarray(a_zp, np.int32)
    b = b.astype(np.int32) - np.asarray(b_zp, np.int32)  # b_zp of shape [N] is per column
    return np.matmul(a, b).astype(np.int32)


def run_onnx_numpy(model, feeds):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        x = [env[i] if i else None for i in node.input]
        t = node.op_type
        if t == "Gather":
            r = np.take(x[0], x[1], axis=a.get("axis", 0))
        elif t == "Shape":
            r = np.array(x[0].shape, np.int64)
        elif t == "Slice":
            r = _slice(x[0], x[1], x[2], x[3] if len(x) > 3 else None, x[4] if len(x) > 4 else None)
        elif t == "Unsqueeze":
            r = x[0]
            for ax in sorted(int(v) % (x[0].ndim + len(x[1])) for v in x[1]):
                r = np.expand_dims(r, ax)
        elif t == "Cast":
            r = x[0].astype(_NP_TYPES[a["to"]])
        elif t in ("Add", "Sub", "Mul", "Div"):
            r = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[t](x[0], x[1])
            r = r.astype(np.result_type(x[0].dtype, x[1].dtype))
        elif t == "ReduceMean":
            r = np.mean(x[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1))).astype(x[0].dtype)
        elif t == "Sqrt":
            r = np.sqrt(x[0])
        elif t == "Erf":
            r = _erf(x[0]).astype(x[0].dtype)
        elif t == "MatMul":
            r = np.matmul(x[0], x[1])
        elif t == "Reshape":
            r = _reshape(x[0], x[1])
        elif t == "Transpose":
            r = np.transpose(x[0], a["perm"])
        elif t == "Softmax":
            r = _softmax(x[0], a.get("axis", -1))
        elif t == "Identity":
            r = x[0]
        elif t == "DynamicQuantizeLinear":
            r = _dynamic_quantize_linear(x[0])
        elif t == "MatMulInteger":
            r = _matmul_integer(x[0], x[1], x[2], x[3])
        else:
            raise NotImplementedError(t)
        outs = r if isinstance(r, tuple) else (r,)
        for name, val in zip(node.output, outs):
            env[name] = np.asarray(val)
    return [env[o.name] for o in model.graph.output]


def run_onnx_reference_evaluator(model, feeds):
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
    except ImportError:
        return None
    return ReferenceEvaluator(model).run(None, feeds)


def batch_feeds(id_lists, pad_id=0):
    s = max(len(x) for x in id_lists)
    ids = np.full((len(id_lists), s), pad_id, np.int64)
    mask = np.zeros((len(id_lists), s), np.int64)
    for i, x in enumerate(id_lists):
        ids[i, : len(x)] = x
        mask[i, : len(x)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def round_list(v, digits=7):
    return [float(round(float(x), digits)) for x in v]


def write_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=indent)
        fh.write("\n")


def main(argv=None):
    global HIDDEN, LAYERS, HEADS, HEAD_DIM, INTERMEDIATE, MODEL_ID
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokenizer-dir", default=DEFAULT_TOKENIZER_DIR,
                    help="folder with the real bert-base-uncased tokenizer.json/tokenizer_config.json (default: %(default)s)")
    ap.add_argument("--out", default=DEFAULT_OUT_DIR, help="output folder (default: %(default)s)")
    ap.add_argument("--words", type=int, default=DEFAULT_WORDS, help="ordinary word tokens kept, in vocab order (default: %(default)s)")
    # Architecture options, for larger throwaway models (bench/rank.mjs builds a hidden-384 one); the
    # defaults build the committed fixture, byte for byte.
    ap.add_argument("--hidden", type=int, default=HIDDEN, help="hidden size = embedding dimension (default: %(default)s)")
    ap.add_argument("--layers", type=int, default=LAYERS, help="transformer layers (default: %(default)s)")
    ap.add_argument("--heads", type=int, default=HEADS, help="attention heads; must divide --hidden (default: %(default)s)")
    ap.add_argument("--intermediate", type=int, default=INTERMEDIATE, help="feed-forward size (default: %(default)s)")
    ap.add_argument("--model-id", default=MODEL_ID, help="model id written to reference.json and README.md (default: %(default)s)")
    ap.add_argument("--max-bytes", type=int, default=3 * 1024 * 1024, help="fail if the files total more than this (default: %(default)s)")
    args = ap.parse_args(argv)

    if args.hidden <= 0 or args.layers <= 0 or args.heads <= 0 or args.intermediate <= 0 or args.hidden % args.heads:
        ap.error("--hidden, --layers, --heads and --intermediate must be positive, and --heads must divide --hidden")
    custom = (args.hidden, args.layers, args.heads, args.intermediate, args.model_id) != (HIDDEN, LAYERS, HEADS, INTERMEDIATE, MODEL_ID)
    if custom and os.path.abspath(args.out) == DEFAULT_OUT_DIR:
        ap.error("a model with other --hidden/--layers/--heads/--intermediate/--model-id needs its own --out (it would replace the committed fixture)")
    HIDDEN, LAYERS, HEADS, INTERMEDIATE, MODEL_ID = args.hidden, args.layers, args.heads, args.intermediate, args.model_id
    HEAD_DIM = HIDDEN // HEADS

    tok_dir = os.path.abspath(args.tokenizer_dir)
    out_dir = os.path.abspath(args.out)
    with open(os.path.join(tok_dir, "tokenizer.json"), encoding="utf-8") as fh:
        real_tok = json.load(fh)
    with open(os.path.join(tok_dir, "tokenizer_config.json"), encoding="utf-8") as fh:
        real_cfg = json.load(fh)
    full_vocab = real_tok["model"]["vocab"]
    assert real_tok["model"]["type"] == "WordPiece" and real_tok["normalizer"]["type"] == "BertNormalizer"
    assert real_tok["normalizer"]["lowercase"] is True
    full_tokens = sorted(full_vocab, key=full_vocab.get)
    assert [full_vocab[t] for t in full_tokens] == list(range(len(full_tokens))), "vocab ids must be dense"

    # ---- vocabulary reduction
    full_pieces = {t: tokenize(t, full_vocab) for t in TEST_TEXTS}
    needed = set(p for ps in full_pieces.values() for p in ps)
    keep = set(SPECIAL_TOKENS)
    words_kept = 0
    for tok in full_tokens:
        if len(tok) == 1 or (tok.startswith("##") and len(tok) == 3):
            keep.add(tok)
        elif tok.startswith("[") and tok.endswith("]") or tok.startswith("##"):
            continue
        elif words_kept < args.words:
            keep.add(tok)
            words_kept += 1
    extra = sorted(needed - keep, key=full_vocab.get)
    keep |= needed
    reduced_tokens = [t for t in full_tokens if t in keep]
    vocab = {t: i for i, t in enumerate(reduced_tokens)}
    assert all(s in vocab for s in SPECIAL_TOKENS)
    assert vocab["[PAD]"] == 0

    # Greedy longest-match on a superset-closed subset gives identical pieces: assert it.
    for text in TEST_TEXTS:
        red = tokenize(text, vocab)
        assert red == full_pieces[text], f"reduced vocab changes tokenisation of {text!r}: {red} vs {full_pieces[text]}"
        assert "[UNK]" not in red, f"unexpected [UNK] in {text!r}: {red}"
    assert len(full_pieces[LONG_TEXT]) + 2 > MAX_LEN + 20, "the long text must exceed max_length clearly"

    # ---- weights, ONNX graphs
    w = make_weights(len(vocab))
    models = {"fp32": build_onnx(w, quantized=False), "q8": build_onnx(w, quantized=True)}

    # ---- references (independent numpy forward) and self-checks
    entries = []
    ref_emb = {}
    for text in TEST_TEXTS:
        pieces = full_pieces[text]
        hf_tokens = encode_hf(pieces)
        hf_ids = [vocab[t] for t in hf_tokens]
        hidden = np_bert(hf_ids, w)
        emb = mean_pool_normalize(hidden, np.ones(len(hf_ids)))
        ref_emb[text] = emb
        entry = {"text": text, "tokens": hf_tokens, "input_ids": hf_ids, "truncated": len(pieces) + 2 > MAX_LEN}
        if entry["truncated"]:
            full = ["[CLS]"] + pieces + ["[SEP]"]
            js_tokens = encode_transformers_js(pieces)
            js_ids = [vocab[t] for t in js_tokens]
            entry["untruncated_tokens"] = full
            entry["untruncated_input_ids"] = [vocab[t] for t in full]
            entry["transformers_js"] = {
                "note": "transformers.js 4.3.1 truncates by cutting [CLS] pieces [SEP] to max_length, so the final [SEP] is lost",
                "tokens": js_tokens,
                "input_ids": js_ids,
                "embedding": round_list(mean_pool_normalize(np_bert(js_ids, w), np.ones(len(js_ids)))),
            }
        entry["embedding"] = round_list(emb)
        entries.append(entry)

    for anchor, related, unrelated, margin in SIMILARITY_CHECKS:
        c_rel = cos(ref_emb[anchor], ref_emb[related])
        c_unrel = cos(ref_emb[anchor], ref_emb[unrelated])
        print(f"similarity  {anchor!r}: related {c_rel:.4f} vs unrelated {c_unrel:.4f}")
        assert c_rel > c_unrel + margin, (anchor, c_rel, c_unrel, margin)

    id_lists = [e["input_ids"] for e in entries]
    all_embs = np.stack([ref_emb[t] for t in TEST_TEXTS])
    check = {}
    for dtype, model in models.items():
        model = onnx.load_from_string(model.SerializeToString())  # exactly what gets written
        onnx.checker.check_model(model, full_check=True)
        single_cos, max_abs = [], 0.0
        for ids in id_lists:
            (out,) = run_onnx_numpy(model, batch_feeds([ids]))
            assert out.shape == (1, len(ids), HIDDEN) and out.dtype == np.float32
            if dtype == "fp32":
                max_abs = max(max_abs, float(np.abs(out[0] - np_bert(ids, w)).max()))
            single_cos.append(cos(mean_pool_normalize(out[0], np.ones(len(ids))), ref_emb[TEST_TEXTS[len(single_cos)]]))
        feeds = batch_feeds(id_lists)
        (out,) = run_onnx_numpy(model, feeds)
        pooled = mean_pool_normalize(out, feeds["attention_mask"])
        batch_cos = [cos(pooled[i], all_embs[i]) for i in range(len(TEST_TEXTS))]
        ref_eval = run_onnx_reference_evaluator(model, feeds)
        if ref_eval is not None:
            pooled_re = mean_pool_normalize(ref_eval[0], feeds["attention_mask"])
            batch_cos += [cos(pooled_re[i], all_embs[i]) for i in range(len(TEST_TEXTS))]
        min_cos = min(single_cos + batch_cos)
        check[dtype] = {"min_cosine": min_cos, "max_abs_diff_hidden": max_abs if dtype == "fp32" else None}
        print(f"onnx {dtype:4s}: min cosine to numpy reference {min_cos:.6f}"
              + (f", max |hidden - numpy| {max_abs:.2e}" if dtype == "fp32" else "")
              + ("" if ref_eval is not None else " (numpy ONNX interpreter; onnx.reference not in this onnx)"))
        if dtype == "fp32":
            assert max_abs < 1e-4, max_abs
            assert min_cos > 0.99999, min_cos
        else:
            assert min_cos >= 0.99, min_cos

    # ---- write everything
    os.makedirs(os.path.join(out_dir, "onnx"), exist_ok=True)
    for dtype, fname in (("fp32", "model.onnx"), ("q8", "model_quantized.onnx")):
        with open(os.path.join(out_dir, "onnx", fname), "wb") as fh:
            fh.write(models[dtype].SerializeToString())

    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": len(vocab),
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": MAX_LEN,
        "type_vocab_size": TYPE_VOCAB,
        "initializer_range": 0.02,
        "layer_norm_eps": LN_EPS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "use_cache": False,
        "classifier_dropout": None,
    }
    write_json(os.path.join(out_dir, "config.json"), config)

    tok = json.loads(json.dumps(real_tok))
    tok["truncation"] = {"direction": "Right", "max_length": MAX_LEN, "strategy": "LongestFirst", "stride": 0}
    tok["padding"] = None
    for added in tok["added_tokens"]:
        added["id"] = vocab[added["content"]]
    for st in tok["post_processor"]["special_tokens"].values():
        st["ids"] = [vocab[t] for t in st["tokens"]]
    tok["model"]["vocab"] = vocab
    write_json(os.path.join(out_dir, "tokenizer.json"), tok)

    tcfg = dict(real_cfg)
    tcfg.update({"model_max_length": MAX_LEN, "do_lower_case": True, "tokenizer_class": "BertTokenizer"})
    write_json(os.path.join(out_dir, "tokenizer_config.json"), tcfg)
    write_json(os.path.join(out_dir, "special_tokens_map.json"),
               {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"})
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(t + "\n" for t in reduced_tokens))

    reference = {
        "model": MODEL_ID,
        "max_length": MAX_LEN,
        "hidden_size": HIDDEN,
        "vocab_size": len(vocab),
        "pooling": "mean over attention mask (incl. [CLS]/[SEP]), then L2 normalisation",
        "note": (
            "Built by scripts/build-fixture-model.py (seed %d). 'tokens'/'input_ids' follow Hugging Face "
            "Python/Rust BERT tokenisation with truncation to max_length keeping [CLS] and [SEP]; ids are in "
            "the fixture's reduced vocabulary and the pieces equal those of the full 30,522-entry vocab. "
            "'embedding' is an independent float64 numpy BERT forward (exact erf GELU, post-LayerNorm eps 1e-12) "
            "of the fp32 weights, not ONNX Runtime. Compare fp32 ONNX output with cosine >= 0.999 and the int8 "
            "model_quantized.onnx with cosine >= 0.99. Entries with 'truncated': true also carry "
            "'untruncated_*' and a 'transformers_js' variant: transformers.js 4.3.1 truncates by cutting the "
            "whole [CLS] ... [SEP] sequence to max_length, which drops the final [SEP]." % SEED
        ),
        "build_checks": {
            "onnx_fp32_min_cosine": round(check["fp32"]["min_cosine"], 7),
            "onnx_fp32_max_abs_diff_hidden": float("%.3g" % check["fp32"]["max_abs_diff_hidden"]),
            "onnx_q8_min_cosine": round(check["q8"]["min_cosine"], 7),
            "similarity": [
                {"anchor": a, "related": r, "unrelated": u,
                 "cos_related": round(cos(ref_emb[a], ref_emb[r]), 4), "cos_unrelated": round(cos(ref_emb[a], ref_emb[u]), 4),
                 "required_margin": m}
                for a, r, u, m in SIMILARITY_CHECKS
            ],
        },
        "texts": entries,
    }
    write_json(os.path.join(out_dir, "reference.json"), reference, indent=1)

    # ---- README (sizes of everything else, which is deterministic)
    files = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
             "reference.json", "onnx/model.onnx", "onnx/model_quantized.onnx"]
    sizes = {f: os.path.getsize(os.path.join(out_dir, f)) for f in files}
    digests = {f: hashlib.sha256(open(os.path.join(out_dir, f), "rb").read()).hexdigest()[:16] for f in files}
    n_params = w["word"].size + w["pos"].size + w["type"].size + 2 * HIDDEN + sum(v.size for lw in w["layers"] for v in lw.values())
    table = "\n".join(f"| `{f}` | {sizes[f]:,} | `{digests[f]}` |" for f in files)
    readme = f"""# {MODEL_ID} (test fixture, random weights)

A tiny BERT-architecture sentence encoder laid out as transformers.js loads a
model from a local path: `env.localModelPath = '<abs>/test/fixtures/models/'`,
model id `{MODEL_ID}`. `dtype: 'fp32'` loads `onnx/model.onnx`, `dtype: 'q8'`
loads `onnx/model_quantized.onnx`.

It has **random weights** and no real semantics. They are shaped so that word
identity dominates (word embeddings N(0, 1), small position/token-type
embeddings, small attention and feed-forward weights), so texts that share
words are clearly more similar than texts that share none; nothing more. Use
`../shared/models/localrank-minilm-distilled` for tests that need meaning.

## Architecture

BertModel, {LAYERS} layers, hidden {HIDDEN}, {HEADS} heads, intermediate {INTERMEDIATE},
max_position_embeddings {MAX_LEN}, vocab {len(vocab):,}, {n_params:,} parameters.
Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, sequence]);
output `last_hidden_state` (float32 [batch, sequence, {HIDDEN}]). ONNX opset {OPSET},
IR version {IR_VERSION}; LayerNorm is decomposed (eps 1e-12), GELU uses Erf.

`model_quantized.onnx` follows onnxruntime's `quantize_dynamic`: every dense
layer is DynamicQuantizeLinear (uint8 activations) + MatMulInteger with int8
symmetric per-output-channel weights + Cast + Mul by scales + Add bias; the word
embedding table is int8 with one scale per row, dequantised after Gather.
LayerNorm, softmax, biases and the position/token-type embeddings stay fp32.

## Tokenizer and vocabulary reduction

The tokenizer is the real uncased BERT WordPiece tokenizer (as used by
all-MiniLM-L6-v2) with a reduced, re-indexed vocabulary of {len(vocab):,} entries, in
the original relative order: [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0-4), every
single-character token, every `##` + single-character token, the first
{args.words:,} ordinary (non-`##`) word tokens in vocab order (roughly the most
frequent words of BERT's general-domain corpus; many product words such as
"shoes", "knife" or "tea" are not among them), and every piece the full
30,522-entry vocab produces for the reference texts ({len(extra)} pieces beyond the
rules above). Because greedy longest-match-first WordPiece on such a subset
picks the same pieces, the reference texts tokenise exactly as with the full
vocab; the build script asserts it. Other texts can split differently (a word
outside the kept words falls back to shorter pieces, often single characters,
which blurs the word-overlap signal): add texts a test depends on to
`TEST_TEXTS` in the script and rebuild. `model_max_length` is {MAX_LEN}.

## reference.json

For {len(TEST_TEXTS)} product-like texts (one with accents and punctuation, one with CJK,
one far longer than {MAX_LEN} tokens): token strings, ids in the reduced vocab, and
the mean-pooled (attention mask incl. [CLS]/[SEP]), L2-normalised {HIDDEN}-d
embedding from an independent float64 numpy forward pass. Expected agreement:
cosine >= 0.999 for fp32, >= 0.99 for q8. Note that transformers.js 4.3.1
truncates by cutting `[CLS] ... [SEP]` to max_length (the final `[SEP]` is
lost), unlike Hugging Face Python; the long text therefore also carries a
`transformers_js` variant (ids and embedding).

## Files

| file | bytes | sha256 (first 16) |
|---|---:|---|
{table}

Total without this README: {sum(sizes.values()):,} bytes.

## Rebuild

```sh
/usr/bin/python3 scripts/build-fixture-model.py [--tokenizer-dir ../shared/models/bert-base-uncased-tokenizer]
```

Needs Debian's python3-onnx (1.12) and numpy, no network. Output is
deterministic (seed {SEED}). The script asserts: identical pieces with the full
and the reduced vocab, `onnx.checker` on both graphs, fp32 ONNX == numpy forward
(max abs diff of hidden states < 1e-4), q8 pooled cosine >= 0.99, and the
word-overlap similarity margin.
"""
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(readme)

    total = sum(sizes.values()) + os.path.getsize(os.path.join(out_dir, "README.md"))
    print(f"vocab: {len(vocab)} entries ({words_kept} words, {len(extra)} extra pieces for the test texts: {extra})")
    for f in files + ["README.md"]:
        print(f"  {os.path.join(os.path.relpath(out_dir, REPO_ROOT), f)}  {os.path.getsize(os.path.join(out_dir, f)):,} bytes")
    print(f"total {total:,} bytes")
    assert total < args.max_bytes, total
    return 0


if __name__ == "__main__":
    sys.exit(main())
