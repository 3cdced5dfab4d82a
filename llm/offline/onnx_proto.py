"""Just enough of ONNX's protobuf encoding to hand onnxruntime a graph built in memory (the `onnx` package is not a
dependency): models, graphs, nodes with int/float/ints attributes, raw-data tensors and value infos with symbolic
dimensions. Field numbers follow onnx/onnx.proto; every repeated scalar is written unpacked, which proto2 readers
accept."""
from __future__ import annotations

import struct

import numpy as np

IR_VERSION = 8
FLOAT, UINT8, INT64 = 1, 2, 7  # TensorProto.DataType
_DTYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.uint8): UINT8, np.dtype(np.int64): INT64}


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s as two's complement, ten bytes
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)


def attribute(name: str, value: int | float | list[int]) -> bytes:
    if isinstance(value, list):
        return _bytes(1, name) + b"".join(_int(8, v) for v in value) + _int(20, 7)  # INTS
    if isinstance(value, float):
        return _bytes(1, name) + _float(2, value) + _int(20, 1)  # FLOAT
    return _bytes(1, name) + _int(3, value) + _int(20, 2)  # INT


def node(op: str, inputs: list[str], outputs: list[str], domain: str = "", **attrs) -> bytes:
    out = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    out += _bytes(3, f"{op}_{outputs[0]}") + _bytes(4, op)
    out += b"".join(_bytes(5, attribute(k, v)) for k, v in attrs.items())
    return out + (_bytes(7, domain) if domain else b"")


def tensor(name: str, array: np.ndarray) -> bytes:
    array = np.asarray(array)  # not ascontiguousarray, which makes a scalar 1-d; tobytes() is C order anyway
    dims = b"".join(_int(1, d) for d in array.shape)
    return dims + _int(2, _DTYPES[array.dtype]) + _bytes(8, name) + _bytes(9, array.tobytes())


def value_info(name: str, elem_type: int, dims: list[int | str]) -> bytes:
    shape = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d)) for d in dims)
    tensor_type = _int(1, elem_type) + _bytes(2, shape)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(nodes: list[bytes], initializers: list[bytes], inputs: list[bytes], outputs: list[bytes],
          opsets: dict[str, int]) -> bytes:
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, "g")
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    opset = b"".join(_bytes(8, (_bytes(1, d) if d else b"") + _int(2, v)) for d, v in opsets.items())
    return _int(1, IR_VERSION) + opset + _bytes(7, graph)
