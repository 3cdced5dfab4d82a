"""The check behind `tessera privacy audit`: every table of the metadata it is given (the caller passes the whole
schema, `tessera.schema.full_metadata()`) scanned for personal-looking fields without a label, labels naming
unknown categories or bases, and sensitive categories held without an explicit basis."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import JSON, MetaData, String, Text

from crm.privacy.labels import label_of
from crm.privacy.taxonomy import Taxonomy, default_taxonomy

# Words in a column name that suggest it holds data about a person (English and pinyin-ish forms).
PERSONAL_WORDS = ("name", "email", "mail", "phone", "mobile", "tel", "address", "street", "city", "zip", "postcode",
                  "birth", "dob", "gender", "passport", "id_card", "id_number", "national_id", "ssn", "iban", "card",
                  "ip", "login", "body", "description", "message", "reply", "note", "comment", "content", "text",
                  "subject", "health", "diagnosis", "salary", "income", "location", "geo", "wechat", "sfz", "shouji")
NOT_PERSONAL_TABLES_PREFIX = ("alembic_",)
# Columns of the privacy tables that hold ids, categories or purposes, never personal values.
TECHNICAL = {"category", "purpose", "notice", "source_detail", "reason", "steps", "scope", "event", "field"}


@dataclass
class Finding:
    field: str
    problem: str


@dataclass
class AuditResult:
    tables: int = 0
    columns: int = 0
    labelled: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        head = (f"privacy audit: {self.tables} tables, {self.columns} columns, {self.labelled} labelled; "
                f"{len(self.findings)} problem(s)")
        return [head, *[f"  {f.field}: {f.problem}" for f in self.findings]]


def looks_personal(column) -> bool:
    if not isinstance(column.type, (String, Text, JSON)) or column.primary_key or column.foreign_keys:
        return False
    tokens = re.split(r"[_\W]+", column.name.lower())
    return any(w in tokens or w == column.name.lower() for w in PERSONAL_WORDS)


def audit_schema(metadata: MetaData, tax: Taxonomy | None = None) -> AuditResult:
    tax = tax or default_taxonomy()
    result = AuditResult()
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        if table.name.startswith(NOT_PERSONAL_TABLES_PREFIX):
            continue
        result.tables += 1
        for column in table.columns:
            result.columns += 1
            where = f"{table.name}.{column.name}"
            lab = label_of(table.name, column)
            if lab is None:
                if looks_personal(column) and not (table.name.startswith("privacy_") and column.name in TECHNICAL):
                    result.findings.append(Finding(where, "looks personal but has no label; add "
                                                   "info=personal('<category>', '<basis>') or a datasets.yaml entry"))
                continue
            result.labelled += 1
            if lab.category not in tax.categories:
                result.findings.append(Finding(where, f"unknown category '{lab.category}' (see taxonomy.yaml)"))
            elif lab.basis is not None and lab.basis not in tax.bases:
                result.findings.append(Finding(where, f"unknown legal basis '{lab.basis}'; bases are {', '.join(tax.bases)}"))
            elif tax.sensitive(lab.category) and lab.basis is None:
                result.findings.append(Finding(where, f"sensitive category '{lab.category}' needs an explicit basis "
                                                      "(PIPL Art. 29 separate consent: write basis 'consent')"))
    return result
