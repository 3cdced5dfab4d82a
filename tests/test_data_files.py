"""The project's YAML data files read through crm.data_files (libyaml's parser) give exactly what PyYAML's
pure-Python safe loader gives, and a bad document fails the same way."""
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


def test_a_broken_document_raises_yaml_error():
    with pytest.raises(yaml.YAMLError):
        load_yaml("limits: [1, 2\nname: x")


def test_nothing_but_plain_data_is_built():
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")
