"""A sandboxed wasmtime runtime: JSON in, JSON out, under fuel, wall-clock and memory limits, with no host access.

Every call gets a fresh `Store` and instance, so nothing carries over between calls. Modules may import nothing:
no WASI, no files, no network. A trap, an exhausted budget or a memory overrun becomes `CapabilityFailed`,
which callers report; the process keeps running.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any

import wasmtime

from edge_agent.wasm.manifest import Manifest, ManifestRefused

EPOCH_TICK_S = 0.005  # the wall-clock limit is enforced in steps of this size


class CapabilityFailed(Exception):
    """A capability call was stopped or its result was unusable. `reason` is one of
    fuel, timeout, memory, trap, bad_input, bad_output, unavailable."""

    def __init__(self, name: str, reason: str, detail: str):
        self.name, self.reason, self.detail = name, reason, detail
        super().__init__(f"capability {name!r} failed ({reason}): {detail}")

    def report(self) -> dict:
        return {"capability": self.name, "reason": self.reason, "detail": self.detail}


_TRAP_REASONS = {
    wasmtime.TrapCode.OUT_OF_FUEL: "fuel",
    wasmtime.TrapCode.INTERRUPT: "timeout",
    wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS: "memory",
    wasmtime.TrapCode.HEAP_MISALIGNED: "memory",
}


class WasmRuntime:
    """One engine with fuel metering and epoch interruption; a daemon thread advances the epoch."""

    def __init__(self) -> None:
        config = wasmtime.Config()
        config.consume_fuel = True
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        self._ticker: threading.Thread | None = None
        self._lock = threading.Lock()

    def compile(self, manifest: Manifest, wasm: bytes) -> wasmtime.Module:
        """Compile and check the module's shape: no imports, and the alloc/run/memory exports of the JSON ABI."""
        try:
            module = wasmtime.Module(self.engine, wasm)
        except wasmtime.WasmtimeError as exc:
            raise ManifestRefused(f"{manifest.name}: not a valid wasm module: {exc}") from exc
        if module.imports:
            wanted = ", ".join(f"{i.module}.{i.name}" for i in module.imports)
            raise ManifestRefused(f"{manifest.name}: imports {wanted}; capabilities get no host functions")
        exports = {e.name: e.type for e in module.exports}
        shape = {
            "alloc": (["i32"], ["i32"]),
            "run": (["i32", "i32"], ["i64"]),
        }
        for name, (params, results) in shape.items():
            ftype = exports.get(name)
            if not isinstance(ftype, wasmtime.FuncType) or (
                [str(p) for p in ftype.params],
                [str(r) for r in ftype.results],
            ) != (params, results):
                raise ManifestRefused(f"{manifest.name}: must export {name}({', '.join(params)}) -> {results[0]}")
        if not isinstance(exports.get("memory"), wasmtime.MemoryType):
            raise ManifestRefused(f"{manifest.name}: must export its linear memory as 'memory'")
        return module

    def call(self, manifest: Manifest, module: wasmtime.Module, payload: Any) -> dict:
        """Run one call; return the module's JSON object or raise `CapabilityFailed`."""
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if len(data) > manifest.max_input_bytes:
            raise CapabilityFailed(manifest.name, "bad_input", f"input is {len(data)} bytes; the limit is {manifest.max_input_bytes}")
        self._ensure_ticker()
        store = wasmtime.Store(self.engine)
        store.set_limits(memory_size=manifest.memory_bytes)
        store.set_fuel(manifest.fuel)
        store.set_epoch_deadline(max(1, round(manifest.timeout_ms / 1000 / EPOCH_TICK_S)) + 1)
        try:
            instance = wasmtime.Instance(store, module, [])
            exports = instance.exports(store)
            memory = exports["memory"]
            ptr = exports["alloc"](store, len(data))
            if ptr <= 0:
                raise CapabilityFailed(manifest.name, "memory", f"no room for {len(data)} input bytes within {manifest.memory_bytes} bytes")
            memory.write(store, data, ptr)
            packed = exports["run"](store, ptr, len(data)) & 0xFFFF_FFFF_FFFF_FFFF
        except wasmtime.Trap as trap:
            reason = _TRAP_REASONS.get(trap.trap_code, "trap")
            raise CapabilityFailed(manifest.name, reason, _last_line(trap.message)) from None
        except wasmtime.WasmtimeError as exc:
            reason = "memory" if "memory" in str(exc) else "trap"
            raise CapabilityFailed(manifest.name, reason, _last_line(str(exc))) from None
        return self._read_output(manifest, store, memory, packed)

    def _read_output(self, manifest: Manifest, store: wasmtime.Store, memory: wasmtime.Memory, packed: int) -> dict:
        if packed == 0:
            raise CapabilityFailed(manifest.name, "memory", "module could not allocate its output within the memory limit")
        start, length = packed >> 32, packed & 0xFFFF_FFFF
        if length > manifest.max_output_bytes or start + length > memory.data_len(store):
            raise CapabilityFailed(manifest.name, "bad_output", f"output of {length} bytes at {start} is out of bounds or too large")
        raw = memory.read(store, start, start + length)
        try:
            result = json.loads(bytes(raw).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CapabilityFailed(manifest.name, "bad_output", f"output is not JSON: {exc}") from None
        if not isinstance(result, dict):
            raise CapabilityFailed(manifest.name, "bad_output", "output is not a JSON object")
        return result

    def _ensure_ticker(self) -> None:
        with self._lock:
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, name="wasm-epoch", daemon=True)
                self._ticker.start()

    def _tick(self) -> None:
        while True:
            time.sleep(EPOCH_TICK_S)
            self.engine.increment_epoch()


def _last_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else message
