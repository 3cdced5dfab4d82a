"""`tessera privacy audit`: the seeded schema passes; a planted personal-looking field without a label fails."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, String, Table

from tests.cli_support import run_cli
from crm.privacy.schema_audit import audit_schema
from tessera.schema import full_metadata


def test_the_whole_schema_is_labelled_and_the_audit_passes():
    result = audit_schema(full_metadata())
    assert result.ok, result.lines()
    assert {"contacts", "turn_traces", "privacy_consents"} <= {t for t in full_metadata().tables}
    audited = run_cli("privacy", "audit")
    assert audited.exit_code == 0
    assert "0 problem(s)" in audited.stdout


@pytest.fixture
def planted_table():
    metadata = full_metadata()
    table = Table("loyalty_members", metadata, Column("id", Integer, primary_key=True),
                  Column("mobile_phone", String(40)), Column("tier", String(10)))
    yield table
    metadata.remove(table)


def test_a_planted_unlabelled_phone_column_fails_the_audit(planted_table):
    result = audit_schema(full_metadata())
    assert not result.ok
    assert [f.field for f in result.findings] == ["loyalty_members.mobile_phone"]
    audited = run_cli("privacy", "audit")
    assert audited.exit_code == 1
    assert "loyalty_members.mobile_phone: looks personal but has no label" in audited.stdout


def test_a_label_with_an_unknown_basis_or_an_unbased_sensitive_category_is_reported():
    metadata = full_metadata()
    table = Table("clinic_visits", metadata, Column("id", Integer, primary_key=True),
                  Column("diagnosis", String(80), info={"personal": "user.health_and_medical"}),
                  Column("notes", String(80), info={"personal": "user.behavior.interaction", "legal_basis": "vibes"}))
    try:
        problems = {f.field: f.problem for f in audit_schema(metadata).findings}
    finally:
        metadata.remove(table)
    assert "needs an explicit basis" in problems["clinic_visits.diagnosis"]
    assert "unknown legal basis 'vibes'" in problems["clinic_visits.notes"]
