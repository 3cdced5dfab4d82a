"""Which columns hold personal data: labels in column `info` first, then crm/privacy/datasets.yaml.

The YAML is the fideslang "dataset" idea: a table owned elsewhere (the trace log, the users table) is
labelled beside the taxonomy until its owner moves the label into the column's `info`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Column, MetaData

from crm.data_files import read_yaml

DATASETS_FILE = Path(__file__).with_name("datasets.yaml")


@dataclass(frozen=True)
class FieldLabel:
    table: str
    column: str
    category: str
    basis: str | None  # None: held on consent
    source: str  # "info" or "datasets.yaml"

    @property
    def field(self) -> str:
        return f"{self.table}.{self.column}"


@cache
def _datasets() -> dict[str, dict]:
    data = read_yaml(DATASETS_FILE) or {}
    return {f"{table}.{col}": spec for table, cols in data.get("fields", {}).items() for col, spec in cols.items()}


def label_of(table: str, column: Column) -> FieldLabel | None:
    info = column.info or {}
    if "personal" in info:
        return FieldLabel(table, column.name, info["personal"], info.get("legal_basis"), "info")
    spec = _datasets().get(f"{table}.{column.name}")
    if spec is not None:
        return FieldLabel(table, column.name, spec["category"], spec.get("basis"), "datasets.yaml")
    return None


def labels(metadata: MetaData) -> dict[str, FieldLabel]:
    """Every labelled column of the schema, by "table.column"."""
    found = {}
    for table in metadata.tables.values():
        for column in table.columns:
            lab = label_of(table.name, column)
            if lab is not None:
                found[lab.field] = lab
    return found


def personal_columns(table, metadata_labels: dict[str, FieldLabel] | None = None) -> dict[str, FieldLabel]:
    """The columns of one table holding personal data (category under `user`), by column name."""
    out = {}
    for column in table.columns:
        lab = label_of(table.name, column)
        if lab is not None and (lab.category == "user" or lab.category.startswith("user.")):
            out[column.name] = lab
    return out


@cache
def bases_by_category() -> dict[str, str]:
    """The legal basis each personal category is held under without consent, from the schema's labels."""
    import crm.privacy.models  # noqa: F401  (register the privacy tables)
    from crm.models import Base

    out: dict[str, str] = {}
    for lab in labels(Base.metadata).values():
        if lab.basis and lab.category.startswith("user.") and lab.basis != "legal_obligation":
            out.setdefault(lab.category, lab.basis)
    return out
