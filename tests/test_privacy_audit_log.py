"""The audit log: every decision, token and request is a line hashed with the one before; tampering shows."""
from __future__ import annotations

from sqlalchemy import func, insert, select, update

from crm.privacy import audit
from crm.privacy.audit import verify
from crm.privacy.models import AuditEntry
from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW
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


def test_a_log_written_before_the_anchor_is_upgraded_in_place_and_autonomy_rows_gain_their_twins(tmp_path):
    from alembic import command

    from crm.autonomy import trail
    from crm.autonomy.models import AutonomyAudit
    from crm.store import Store
    from tessera.migrate import alembic_config, migrate

    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with store.engine.begin() as connection:  # the schema as it was: privacy and autonomy, no anchor yet
        config = alembic_config(store)
        config.attributes["connection"] = connection
        for revision in ("c5a27560e001", "5b2c9e1f4a7d"):
            command.upgrade(config, revision)
    prev = audit.GENESIS
    with store.engine.begin() as c:  # two lines hashed with the recipe of that time, and two autonomy rows
        for seq in (1, 2):
            at = FIXED_NOW.replace(minute=seq)
            line = audit.digest(prev, seq, at, "decision", "li.wei", 7, "user.name", "sales.follow_up", True, "ok")
            c.execute(insert(AuditEntry.__table__).values(seq=seq, at=at, event="decision", actor="li.wei",
                                                          contact_id=7, category="user.name", purpose="sales.follow_up",
                                                          allowed=True, reason="ok", prev_hash=prev, hash=line))
            prev = line
        c.execute(insert(AutonomyAudit.__table__), [
            {"unit_id": None, "actor": "zhao.lei", "event": "contract_version", "created_at": FIXED_NOW,
             "details": {"version": 1, "template": "enterprise"}},
            {"unit_id": None, "actor": "li.wei", "event": "account_shared", "created_at": FIXED_NOW,
             "details": {"account": "Acme Robotics", "with_unit": "north-industry", "reason": "joint bid"}}])
    migrate(store)
    with store.session() as s:
        report = verify(s, twins={trail.TABLE: trail.twin_rows})
        assert report.ok and report.entries == 4 and report.twins == 2, report.problems
        assert [e.event for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))] == [
            "decision", "decision", "autonomy.contract_version", "autonomy.account_shared"]
    with store.session() as s:  # and new lines continue the same chain
        audit.append(s, event="decision", actor="li.wei", at=FIXED_NOW, reason="after the upgrade")
    with store.session() as s:
        assert verify(s).entries == 5 and verify(s).ok
    store.dispose()
