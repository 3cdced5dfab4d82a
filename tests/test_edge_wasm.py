"""WebAssembly capabilities: the shipped modules on good and bad input, and modules that misbehave are stopped,
reported, and leave the node serving."""
from __future__ import annotations

import shutil
import textwrap

import pytest
import yaml
from fastapi.testclient import TestClient

from edge_agent.api import create_app
from edge_agent.node import EdgeNode
from edge_agent.wasm.manifest import PACKAGE_MANIFESTS, Manifest, ManifestRefused, build, load_manifests, sha256_hex
from edge_agent.wasm.registry import CapabilityRegistry, default_registry
from edge_agent.wasm.runtime import CapabilityFailed

# Minimal modules with the capability ABI (alloc, run, memory) that misbehave in one way each.
_ALLOC = '(func (export "alloc") (param i32) (result i32) i32.const 1024)'
_ABI = f'(memory (export "memory") 1) {_ALLOC}'
BAD_MODULES = {
    "spins_forever": f'(module {_ABI} (func (export "run") (param i32 i32) (result i64) (loop (br 0)) (i64.const 0)))',
    "traps": f'(module {_ABI} (func (export "run") (param i32 i32) (result i64) unreachable))',
    "eats_memory": f"""(module {_ABI}
        (func (export "run") (param i32 i32) (result i64) (local $top i32)
          (loop
            (drop (memory.grow (i32.const 1)))
            (local.set $top (i32.add (local.get $top) (i32.const 65536)))
            (i32.store (local.get $top) (i32.const 1))
            (br 0))
          (i64.const 0)))""",
    "lies_about_output": f'(module {_ABI} (func (export "run") (param i32 i32) (result i64) (i64.const 0x00000010_7fffffff)))',
    "wants_files": '(module (import "wasi_snapshot_preview1" "path_open" (func (param i32))) '
                   f'{_ABI} (func (export "run") (param i32 i32) (result i64) (i64.const 0)))',
}


def manifest_for(tmp_path, name: str, wat: str, **limits) -> Manifest:
    source = tmp_path / f"{name}.wat"
    source.write_text(textwrap.dedent(wat))
    fields = {"fuel": 5_000_000, "memory_bytes": 4 * 65536, "timeout_ms": 5_000, **limits}
    return Manifest(name=name, version="0.0.1", source=source, sha256=sha256_hex(build(source)), **fields)


@pytest.fixture(scope="module")
def shipped() -> CapabilityRegistry:
    return default_registry()


def test_the_shipped_modules_build_to_the_hashes_in_their_manifests(shipped):
    assert shipped.refused == {}
    assert {row["name"] for row in shipped.describe()} == {"weight_check", "scan_check", "route"}
    for manifest in load_manifests():
        assert sha256_hex(build(manifest.source)) == manifest.sha256


@pytest.mark.parametrize(("name", "payload", "expected"), [
    ("weight_check", {"weight_g": 1003, "expected_g": 1000, "tolerance_g": 5}, {"ok": True, "deviation_g": 3}),
    ("weight_check", {"weight_g": 988, "expected_g": 1000, "tolerance_g": 5}, {"ok": False, "deviation_g": -12, "error": "out_of_tolerance"}),
    ("weight_check", {"weight_g": 1000.5, "expected_g": 1000, "tolerance_g": 5}, {"ok": False, "error": "bad_input"}),
    ("weight_check", {"expected_g": 1000}, {"ok": False, "error": "bad_input"}),
    ("scan_check", {"code": "4006381333931"}, {"ok": True, "digits": 13}),
    ("scan_check", {"code": "96385074"}, {"ok": True, "digits": 8}),
    ("scan_check", {"code": "4006381333932"}, {"ok": False, "error": "check_digit", "expected": 1}),
    ("scan_check", {"code": "40063813"}, {"ok": False, "error": "check_digit", "expected": 2}),
    ("scan_check", {"code": "12345"}, {"ok": False, "error": "bad_length", "digits": 5}),
    ("scan_check", {"code": "4006381333O31"}, {"ok": False, "error": "not_digits"}),
    ("scan_check", {"code": "4006381333931", "confidence": 62, "min_confidence": 80}, {"ok": False, "error": "low_confidence"}),
    ("route", {"points": [[0, 0], [5, 5], [1, 1]]}, {"ok": True, "order": [0, 2, 1], "distance": 7}),
    ("route", {"points": [[0, 0], [3, 4], [-3, -4], [10, 0]]}, {"ok": True, "order": [0, 1, 3, 2], "distance": 27}),
    ("route", {"points": [[0, 0], [1]]}, {"ok": False, "error": "bad_input"}),
    ("route", {"points": [[i, i] for i in range(65)]}, {"ok": False, "error": "too_many_points"}),
])
def test_shipped_modules_answer_good_and_bad_input(shipped, name, payload, expected):
    assert shipped.run(name, payload) == expected


@pytest.mark.parametrize(("name", "limits", "reason"), [
    ("spins_forever", {"fuel": 2_000_000}, "fuel"),
    ("spins_forever", {"fuel": 10**15, "timeout_ms": 50}, "timeout"),
    ("traps", {}, "trap"),
    ("eats_memory", {"memory_bytes": 2 * 65536}, "memory"),
    ("lies_about_output", {}, "bad_output"),
])
def test_a_misbehaving_module_is_stopped_and_reported(tmp_path, name, limits, reason):
    registry = CapabilityRegistry()
    registry.register(manifest_for(tmp_path, name, BAD_MODULES[name], **limits))
    with pytest.raises(CapabilityFailed) as failure:
        registry.run(name, {"anything": 1})
    assert failure.value.reason == reason
    assert registry.failures[-1]["reason"] == reason


def test_a_module_that_asks_for_host_access_or_too_much_memory_is_refused(tmp_path):
    registry = CapabilityRegistry()
    with pytest.raises(ManifestRefused, match="imports wasi_snapshot_preview1.path_open; capabilities get no host functions"):
        registry.register(manifest_for(tmp_path, "wants_files", BAD_MODULES["wants_files"]))
    big = manifest_for(tmp_path, "big_start", f'(module (memory (export "memory") 64) {_ALLOC} '
                                              '(func (export "run") (param i32 i32) (result i64) (i64.const 0)))', memory_bytes=65536)
    registry.register(big)
    with pytest.raises(CapabilityFailed) as failure:
        registry.run("big_start", {})
    assert failure.value.reason == "memory"


def test_a_module_whose_build_does_not_match_its_manifest_hash_is_refused(tmp_path):
    modules = tmp_path / "modules"
    shutil.copytree(PACKAGE_MANIFESTS.parent / "modules", modules)
    data = yaml.safe_load(PACKAGE_MANIFESTS.read_text())
    (tmp_path / "manifests.yaml").write_text(yaml.safe_dump(data))
    source = modules / "weight_check.wat"
    source.write_text(source.read_text().replace("(i32.const 125)", "(i32.const 93)", 1))  # a tampered build

    registry = default_registry(tmp_path / "manifests.yaml")
    assert set(registry.refused) == {"weight_check"}
    assert "the manifest says" in registry.refused["weight_check"]
    with pytest.raises(CapabilityFailed) as failure:
        registry.run("weight_check", {"weight_g": 1, "expected_g": 1, "tolerance_g": 0})
    assert failure.value.reason == "unavailable"
    assert registry.run("scan_check", {"code": "4006381333931"})["ok"] is True


def test_the_node_keeps_serving_after_each_failure(tmp_path):
    registry = default_registry()
    for name, limits in [("spins_forever", {"fuel": 10**15, "timeout_ms": 50}), ("traps", {}), ("eats_memory", {"memory_bytes": 2 * 65536})]:
        registry.register(manifest_for(tmp_path, name, BAD_MODULES[name], **limits))
    node = EdgeNode("plant-7", tmp_path / "node", central_url=None, registry=registry, synchronous="NORMAL")
    with TestClient(create_app(node)) as client:
        for name, reason in [("spins_forever", "timeout"), ("traps", "trap"), ("eats_memory", "memory")]:
            answer = client.post(f"/v1/capabilities/{name}", json={"x": 1})
            assert answer.status_code == 422 and answer.json()["detail"]["reason"] == reason
            assert client.get("/v1/health").status_code == 200
            assert client.post("/v1/work-orders", json={"title": f"after {name}"}).status_code == 201
        assert client.post("/v1/capabilities/nope", json={}).status_code == 404
        assert client.post("/v1/capabilities/weight_check", json={"weight_g": 5, "expected_g": 5, "tolerance_g": 0}).json() == {"ok": True, "deviation_g": 0}
        health = client.get("/v1/health").json()
        assert [f["reason"] for f in health["capability_failures"]] == ["timeout", "trap", "memory"]
        assert health["records"]["work_order"] == 3
