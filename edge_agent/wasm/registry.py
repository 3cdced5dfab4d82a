"""The capabilities a node may run: modules registered from manifests, refusals kept with their reasons."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasmtime

from edge_agent.wasm.manifest import PACKAGE_MANIFESTS, Manifest, ManifestRefused, load_manifests, verified_bytes
from edge_agent.wasm.runtime import CapabilityFailed, WasmRuntime


@dataclass
class _Registered:
    manifest: Manifest
    module: wasmtime.Module


class CapabilityRegistry:
    """Registers verified modules and runs them by name. A refused module is listed, never run."""

    def __init__(self, runtime: WasmRuntime | None = None):
        self.runtime = runtime or WasmRuntime()
        self._modules: dict[str, _Registered] = {}
        self.refused: dict[str, str] = {}
        self.failures: list[dict] = []  # the most recent failed calls, newest last

    def register(self, manifest: Manifest) -> None:
        """Build, hash-check and compile the module; on refusal remember why and raise `ManifestRefused`."""
        try:
            wasm = verified_bytes(manifest)
            module = self.runtime.compile(manifest, wasm)
        except ManifestRefused as exc:
            self.refused[manifest.name] = str(exc)
            self._modules.pop(manifest.name, None)
            raise
        self.refused.pop(manifest.name, None)
        self._modules[manifest.name] = _Registered(manifest, module)

    def register_all(self, manifests: list[Manifest]) -> None:
        """Register each manifest; a refusal is recorded and the others still register."""
        for manifest in manifests:
            try:
                self.register(manifest)
            except ManifestRefused:
                continue

    def run(self, name: str, payload: Any) -> dict:
        """Run a capability; failures raise `CapabilityFailed` and are kept in `failures` for the node's status."""
        registered = self._modules.get(name)
        if registered is None:
            why = self.refused.get(name, f"no capability named {name!r}; registered: {', '.join(sorted(self._modules)) or 'none'}")
            raise CapabilityFailed(name, "unavailable", why)
        try:
            return self.runtime.call(registered.manifest, registered.module, payload)
        except CapabilityFailed as failure:
            self.failures = [*self.failures[-49:], failure.report()]
            raise

    def describe(self) -> list[dict]:
        rows = [
            {
                "name": r.manifest.name,
                "version": r.manifest.version,
                "sha256": r.manifest.sha256,
                "fuel": r.manifest.fuel,
                "memory_bytes": r.manifest.memory_bytes,
                "timeout_ms": r.manifest.timeout_ms,
                "status": "registered",
            }
            for r in self._modules.values()
        ]
        rows += [{"name": name, "status": "refused", "reason": why} for name, why in self.refused.items()]
        return sorted(rows, key=lambda row: row["name"])


def default_registry(path: Path = PACKAGE_MANIFESTS) -> CapabilityRegistry:
    """The capabilities shipped with the node (weight_check, scan_check, route), verified against their manifests."""
    registry = CapabilityRegistry()
    registry.register_all(load_manifests(path))
    return registry
