"""The audit log: every decision, token and request is a line hashed with the one before; tampering shows."""
from __future__ import annotations

from sqlalchemy import func, select, update

from crm.privacy.audit import verify
from crm.privacy.models import AuditEntry
from tests.cli_support import run_cli
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401


def test_decisions_allowed_and_denied_are_logged_and_the_chain_verifies(ptessera, capsys):
    call(ptessera, "cust.chen.jing", "revoke_consent", what="sales follow-up")
    call(ptessera, "li.wei", "find_contacts", account="北辰医疗器械")
    with ptessera.store.session() as s:
        kinds = dict(s.execute(select(AuditEntry.allowed, func.count()).where(AuditEntry.event == "decision")
                               .group_by(AuditEntry.allowed)).all())
        assert kinds[True] > 0 and kinds[False] > 0
        assert verify(s).ok
    verified = run_cli("audit", "verify", tessera=ptessera)
    assert verified.exit_code == 0
    assert "audit log intact" in verified.stdout


def test_editing_or_deleting_a_line_is_detected(ptessera, capsys):
    call(ptessera, "li.wei", "find_contacts", account="北辰医疗器械")
    call(ptessera, "li.wei", "find_contacts", account="Acme Robotics")
    with ptessera.store.session() as s:
        victim = s.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))
                           .order_by(AuditEntry.id)).first() or s.scalars(select(AuditEntry)).first()
        victim_id, original = victim.id, (victim.allowed, victim.reason)
        s.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(allowed=True, reason="nothing to see"))
    verified = run_cli("audit", "verify", tessera=ptessera)
    assert verified.exit_code == 1
    assert f"line {victim_id}" in verified.stdout and "content changed" in _report(ptessera)

    with ptessera.store.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == victim_id).values(allowed=original[0], reason=original[1]))
    assert _report(ptessera) == ""  # put back exactly: intact again
    with ptessera.store.session() as s:
        second = s.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(1)).first()
        s.delete(second)
    assert "sequence" in _report(ptessera)


def _report(tessera) -> str:
    with tessera.store.session() as s:
        return verify(s).problem
