"""The project's YAML data files read through crm.data_files (libyaml's parser) give exactly what PyYAML's
pure-Python safe loader gives, a bad document fails the same way, and no file gives a key twice (YAML would keep the
second silently)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crm.data_files import load_yaml, read_yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = sorted(p for folder in ("crm", "llm", "evals", "edge_agent", "prompts") for p in (ROOT / folder).rglob("*.yaml"))


def test_there_are_data_files_to_compare():
    assert len(DATA) > 40


@pytest.mark.parametrize("path", DATA, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_data_file_reads_as_the_pure_python_loader_reads_it(path):
    assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


class _RefusesDuplicateKeys(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; this loader names them."""


def _mapping(loader, node, deep=False):
    keys = [repr(loader.construct_object(k, deep=True)) for k, _ in node.value]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"key {', '.join(twice)} given twice in the mapping at line {node.start_mark.line + 1}")
    return loader.construct_mapping(node, deep)


_RefusesDuplicateKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@pytest.mark.parametrize("path", DATA, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_data_file_gives_a_key_twice(path):
    yaml.load(path.read_text(encoding="utf-8"), Loader=_RefusesDuplicateKeys)  # noqa: S506 - a safe loader


def test_a_key_given_twice_is_named():
    with pytest.raises(ValueError, match="'unknown_prompt' given twice"):
        yaml.load("errors:\n  unknown_prompt: a\n  unknown_prompt: b\n", Loader=_RefusesDuplicateKeys)  # noqa: S506


def test_a_broken_document_raises_yaml_error():
    with pytest.raises(yaml.YAMLError):
        load_yaml("limits: [1, 2\nname: x")


def test_nothing_but_plain_data_is_built():
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")
