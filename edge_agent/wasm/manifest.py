"""Capability manifests: what a wasm module is (name, version, sha256 of its built bytes) and the limits it runs under.

The build is reproducible: a module ships as WAT source, is compiled with `wasmtime.wat2wasm` at registration,
and the sha256 of the resulting bytes must equal the manifest's, or the module is refused.
`python -m edge_agent.wasm.manifest` rebuilds every module and prints the hashes to review and paste.
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import wasmtime

from crm.data_files import read_yaml

PACKAGE_MANIFESTS = Path(__file__).with_name("manifests.yaml")


class ManifestRefused(Exception):
    """A module was not registered: its manifest is invalid, or its built bytes are not the ones the manifest names."""


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    source: Path  # a .wat source (built here) or a prebuilt .wasm
    sha256: str  # of the built wasm bytes
    fuel: int  # instructions-ish budget per call; out of fuel traps
    memory_bytes: int  # linear memory cap per call
    timeout_ms: int  # wall-clock cap per call (epoch interruption)
    max_input_bytes: int = 65_536
    max_output_bytes: int = 65_536
    description: str = ""

    @classmethod
    def from_dict(cls, data: dict, base_dir: Path) -> Manifest:
        missing = {"name", "version", "source", "sha256", "fuel", "memory_bytes", "timeout_ms"} - set(data)
        if missing:
            raise ManifestRefused(f"manifest {data.get('name', '?')!r} lacks {', '.join(sorted(missing))}")
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["source"] = (base_dir / str(data["source"])).resolve()
        for key in ("fuel", "memory_bytes", "timeout_ms", "max_input_bytes", "max_output_bytes"):
            if key in fields:
                fields[key] = int(fields[key])
                if fields[key] <= 0:
                    raise ManifestRefused(f"manifest {data['name']!r}: {key} must be positive, got {fields[key]}")
        fields["sha256"] = str(fields["sha256"]).lower()
        fields["version"] = str(fields["version"])
        return cls(**fields)


def build(source: Path) -> bytes:
    """The module's wasm bytes: WAT compiled with wasmtime's wat2wasm, or a .wasm file read as is."""
    if source.suffix == ".wasm":
        return source.read_bytes()
    return bytes(wasmtime.wat2wasm(source.read_text(encoding="utf-8")))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verified_bytes(manifest: Manifest) -> bytes:
    """Build the module and check its hash; raise `ManifestRefused` saying what differs."""
    try:
        wasm = build(manifest.source)
    except (OSError, wasmtime.WasmtimeError) as exc:
        raise ManifestRefused(f"{manifest.name} {manifest.version}: cannot build {manifest.source.name}: {exc}") from exc
    got = sha256_hex(wasm)
    if got != manifest.sha256:
        raise ManifestRefused(
            f"{manifest.name} {manifest.version}: built module has sha256 {got}, the manifest says {manifest.sha256}; "
            "if the source change is intended, review it and update the manifest "
            "(python -m edge_agent.wasm.manifest prints the new hashes)"
        )
    return wasm


def load_manifests(path: Path = PACKAGE_MANIFESTS) -> list[Manifest]:
    data = read_yaml(path) or {}
    return [Manifest.from_dict(entry, path.parent) for entry in data.get("modules", [])]


def main(argv: list[str] | None = None) -> int:
    """Rebuild every module named in a manifests file and print name, version and sha256 (the build check)."""
    path = Path(argv[0]) if argv else PACKAGE_MANIFESTS
    data = read_yaml(path) or {}
    stale = 0
    for entry in data.get("modules", []):
        digest = sha256_hex(build((path.parent / entry["source"]).resolve()))
        same = digest == str(entry.get("sha256", "")).lower()
        stale += not same
        print(f"{entry['name']:<14} {entry['version']:<8} {digest}  {'ok' if same else 'DIFFERS from manifest'}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
