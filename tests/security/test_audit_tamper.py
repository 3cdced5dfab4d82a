"""Someone with write access to the database but not to the signing key tries to hide what the audit log holds:
every truncation, rewrite (with the later hashes recomputed by the public recipe), reordering, deleted or forged
signature is caught by `tessera audit verify`, and an untouched log verifies."""
from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings, strategies as st
from sqlalchemy import delete, select, update

from crm.autonomy.models import AutonomyAudit
from crm.privacy import audit
from crm.privacy.anchor import AnchorError, ChainAnchor, message
from crm.privacy.models import AuditEntry, AuditHead
from crm.store import Store
from tests.autonomy_support import LATER
from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install
from tests.test_approvals_graph import escalating_deal
from tessera.anchoring import anchor_store, chain_anchor
from tessera.migrate import migrate
from tessera.runtime import Tessera
from tessera.settings import AgentModels


# -- arrangements ------------------------------------------------------------------------------------------------
QUESTIONS = itertools.count(1)


def write_lines(store: Store, transactions: int, per_transaction: int = 3) -> None:
    """Lines as the PDP writes them: one transaction per tool call, a few decisions each, no two alike."""
    for t in range(transactions):
        with store.session() as s:
            for i in range(per_transaction):
                n = next(QUESTIONS)
                audit.append(s, event="decision", actor="li.wei", at=FIXED_NOW, contact_id=100 + n % 7,
                             category="user.contact.email", purpose="sales.follow_up", allowed=bool(n % 2),
                             reason=f"question {n}: no consent for sales.follow_up")


@pytest.fixture
def logged(data_dir):
    """The seeded store, anchored as `tessera serve` anchors it, with 30 more transactions on the chain."""
    store = Store(f"sqlite:///{data_dir / 'tessera.db'}")
    anchor_store(store, settings_for(data_dir))
    write_lines(store, 30)
    yield store, data_dir
    audit.anchor(store.engine, None)
    store.dispose()


def verify_cli(data_dir: Path, **where) -> tuple[int, dict, str]:
    """`tessera audit verify --json` against the test's data folder (or `tessera=` a running assistant)."""
    done = run_cli("audit", "verify", "--json", **(where or {"settings": settings_for(data_dir)}))
    return done.exit_code, json.loads(done.stdout), done.stderr


def last_seq(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))


def recompute_from(store: Store, first_seq: int, *, fix_head: bool = True) -> None:
    """What an attacker does with the public recipe: relink and rehash every line from `first_seq` on."""
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.seq >= first_seq).order_by(AuditEntry.seq)).all()
        prev = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == first_seq - 1)) or audit.GENESIS
        for e in rows:
            e.prev_hash = prev
            e.hash = prev = audit.line_digest(e)
        if fix_head:
            top = rows[-1] if rows else None
            s.execute(update(AuditHead).values(seq=top.seq if top else first_seq - 1, hash=prev))


# -- the untouched log ---------------------------------------------------------------------------------------------
def test_an_untouched_log_verifies_and_every_write_is_under_a_signed_head(logged):
    store, data_dir = logged
    code, report, err = verify_cli(data_dir)
    assert code == 0 and err == ""
    assert report["ok"] and report["problems"] == []
    assert report["entries"] == last_seq(store) and report["anchored"] == report["entries"]
    assert report["heads_checked"] >= 60  # each of the 30 transactions signed its last line and the heads file
    with store.session() as s:
        signed = s.scalars(select(AuditEntry).where(AuditEntry.seq > report["entries"] - 9).order_by(AuditEntry.seq))
        assert [e.signed_head is not None for e in signed] == [False, False, True] * 3  # three lines per transaction


def test_the_signing_key_is_created_private_and_an_open_key_is_refused(tmp_path):
    anchor = ChainAnchor(tmp_path / "audit" / "signing-key.pem")
    anchor.sign(0, 1, "0" * 64)
    assert stat.S_IMODE(os.stat(anchor.key_file).st_mode) == 0o600
    os.chmod(anchor.key_file, 0o644)
    with pytest.raises(AnchorError, match="chmod 600"):
        ChainAnchor(anchor.key_file).key


# -- the findings of issue 9 ---------------------------------------------------------------------------------------
def test_deleting_the_last_line_is_caught(logged):
    store, data_dir = logged
    end = last_seq(store)
    with store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == end))
    code, report, err = verify_cli(data_dir)
    assert code == 1
    assert f"the log ends at seq {end - 1}" in err and "1 line(s) were removed from the end" in err


def test_deleting_the_last_21_lines_and_fixing_the_head_row_is_caught(logged):
    store, data_dir = logged
    end = last_seq(store)
    with store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq > end - 21))
        kept = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == end - 21))
        s.execute(update(AuditHead).values(seq=end - 21, hash=kept))
    code, report, err = verify_cli(data_dir)
    assert code == 1 and "21 line(s) were removed from the end" in " ".join(report["problems"])


def test_rewriting_a_line_and_recomputing_the_later_hashes_is_caught(logged):
    store, data_dir = logged
    end = last_seq(store)
    victim = end - 10
    with store.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == victim).values(allowed=True, reason="nothing to see"))
    recompute_from(store, victim)
    code, report, err = verify_cli(data_dir)
    assert code == 1
    assert not any("content changed" in p for p in report["problems"])  # the chain itself is consistent again
    found = [re.search(r"after seq (\d+) and up to seq (\d+)", p) for p in report["problems"] if p.startswith("rewritten")]
    assert found and int(found[0][1]) < victim <= int(found[0][2]), report  # located between two signed heads


def test_deleting_the_signed_heads_too_is_caught_by_the_heads_kept_outside_the_store(logged):
    store, data_dir = logged
    end = last_seq(store)
    with store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq > end - 21))
        s.execute(update(AuditEntry).values(signed_head=None))  # no signature left in the store at all
        kept = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == end - 21))
        s.execute(update(AuditHead).values(seq=end - 21, hash=kept))
    code, report, err = verify_cli(data_dir)
    assert code == 1 and "21 line(s) were removed from the end" in err and "heads.jsonl" in err
    assert "were removed from the store (the heads file still holds them)" in err


def pad_the_tail(store: Store, lines: int, *, signer: Ed25519PrivateKey | None = None, key_id: str = "") -> int:
    """Lines of the attacker's own after the end, hashed with the public recipe, the head row moved along."""
    with store.session() as s:
        top = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, prev = top.seq, top.hash
        for i in range(lines):
            e = AuditEntry(seq=seq + 1, at=FIXED_NOW, event="consent", actor="cust.chen.jing", contact_id=7,
                           category="user.contact", purpose="marketing.communications", allowed=True,
                           reason=f"consent given (forged {i})", prev_hash=prev)
            e.hash = prev = audit.line_digest(e)
            seq += 1
            if signer is not None and i == lines - 1:
                at = dt.datetime(2026, 11, 26, 12)
                e.signed_head = {"from": top.seq, "at": at.isoformat(timespec="microseconds"), "key": key_id,
                                 "sig": base64.b64encode(signer.sign(message(top.seq, seq, prev, at))).decode()}
            s.add(e)
        s.execute(update(AuditHead).values(seq=seq, hash=prev))
    return top.seq


def test_lines_padded_onto_the_tail_are_caught_even_after_the_next_genuine_write(logged):
    store, data_dir = logged
    end = pad_the_tail(store, 3)
    write_lines(store, 1)  # Tessera's next transaction links onto the forged lines and signs its own
    code, report, err = verify_cli(data_dir)
    assert code == 1 and f"lines {end + 1}..{end + 3} are under no signature" in err


def test_a_signature_forged_without_the_key_is_caught(logged):
    store, data_dir = logged
    real = chain_anchor(settings_for(data_dir))
    end = pad_the_tail(store, 2, signer=Ed25519PrivateKey.generate(), key_id=real.key_id)
    code, report, err = verify_cli(data_dir)
    assert code == 1 and f"the signature on seq {end + 2} fails (bad signature (forged or altered))" in err
    pad_the_tail(store, 1, signer=Ed25519PrivateKey.generate(), key_id="0123456789abcdef")
    code, report, err = verify_cli(data_dir)
    assert code == 1 and "signed by unknown key 0123456789abcdef" not in err  # only the first forgery is named
    assert "rewritten or forged" in err


def test_reordering_lines_is_caught_with_or_without_recomputed_hashes(logged):
    store, data_dir = logged
    first = last_seq(store) - 8

    def swap_positions() -> None:
        with store.session() as s:
            a, b = (s.scalar(select(AuditEntry).where(AuditEntry.seq == q)) for q in (first, first + 1))
            a.seq, b.seq = -1, first
            s.flush()
            a.seq = first + 1

    swap_positions()
    code, report, _ = verify_cli(data_dir)
    assert code == 1 and any("does not link to the line before it" in p for p in report["problems"])
    recompute_from(store, first)
    code, report, _ = verify_cli(data_dir)
    assert code == 1 and any(p.startswith("rewritten") for p in report["problems"]), report


def test_the_report_is_on_stderr_without_json_too(logged):
    store, data_dir = logged
    with store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == last_seq(store)))
    done = run_cli("audit", "verify", settings=settings_for(data_dir))
    assert done.exit_code == 1
    assert "audit log BROKEN" in done.stderr and "removed from the end" in done.stderr


# -- property: whatever is cut or rewritten, verify fails -----------------------------------------------------------
@pytest.fixture(scope="module")
def small_log(tmp_path_factory) -> Path:
    """A store holding only a chain of 46 lines in 16 transactions, each signed."""
    folder = tmp_path_factory.mktemp("small-log")
    store = Store(f"sqlite:///{folder / 'tessera.db'}")
    migrate(store)
    anchor_store(store, settings_for(folder))
    for size in (1, 5, 2, 3, 4, 1, 1, 6, 2, 3, 3, 4, 2, 5, 2, 2):
        write_lines(store, 1, size)
    audit.anchor(store.engine, None)
    store.dispose()
    return folder


TAMPERING = st.tuples(st.sampled_from(["truncate", "rewrite", "delete", "swap", "insert", "append"]),
                      st.integers(1, 45), st.booleans())


@settings(max_examples=40, deadline=None)
@given(tampering=TAMPERING)
def test_any_truncation_or_rewrite_of_a_generated_log_fails_verification(small_log, tampering):
    kind, position, cover_tracks = tampering
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(shutil.copytree(small_log, Path(tmp) / "copy"))
        store = Store(f"sqlite:///{folder / 'tessera.db'}")
        try:
            _tamper(store, kind, position)
            if cover_tracks:  # relink with the public recipe, fix the head row, strip the signatures after it
                recompute_from(store, min(position, last_seq(store) or 1))
                with store.session() as s:
                    s.execute(update(AuditEntry).where(AuditEntry.seq >= position).values(signed_head=None))
            with store.session() as s:
                report = audit.verify(s, chain_anchor(settings_for(folder)))
        finally:
            store.dispose()
    assert not report.ok, f"{tampering} went unnoticed"


def _tamper(store: Store, kind: str, position: int) -> None:
    if kind == "append":
        pad_the_tail(store, position % 4 + 1)
        return
    with store.session() as s:
        lines = s.scalars(select(AuditEntry).where(AuditEntry.seq >= position).order_by(AuditEntry.seq)).all()
        if kind == "truncate":
            s.execute(delete(AuditEntry).where(AuditEntry.seq >= position))
        elif kind == "rewrite":
            lines[0].allowed, lines[0].reason = not lines[0].allowed, lines[0].reason + " (edited)"
        elif kind == "delete":  # remove one line and close the gap
            s.delete(lines[0])
            s.flush()
            for e in lines[1:]:
                e.seq -= 1
                s.flush()
        elif kind == "swap":
            a, b = lines[0], lines[1]
            a.seq, b.seq = -1, position
            s.flush()
            a.seq = position + 1
        else:  # insert a line of the attacker's own before `position`
            for e in reversed(lines):
                e.seq += 1
                s.flush()
            s.add(AuditEntry(seq=position, at=FIXED_NOW, event="decision", actor="li.wei", contact_id=1,
                             category="user.contact.email", purpose="sales.follow_up", allowed=True,
                             reason="an alibi", prev_hash=lines[0].prev_hash, hash=lines[0].hash))


# -- autonomy decisions and approvals are on the same chain ---------------------------------------------------------
def test_an_escalated_discount_its_refused_and_its_real_approval_are_chained_and_verified(data_dir):
    scripted = ScriptedModel()
    install(scripted)
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    try:
        start = last_seq(app.store)
        deal = escalating_deal(app.store)
        scripted.enqueue({"tool_calls": [{"name": "request_discount", "args": {
            "deal": deal, "percent": 8, "reason": "a rival offered less", "promised_on": LATER.isoformat()}}]})
        paused = app.chat("li.wei", "discount", f"give {deal} 8% off, a rival offered less")
        assert paused.confirmation["tool"] == "request_discount"  # booking a discount is confirmed first
        paused = app.chat("li.wei", "discount", "yes")
        approval = paused.approval["id"]
        with pytest.raises(PermissionError):
            app.decide(approval, "emma.chen", approved=True)  # a rep of the unit may not approve
        with pytest.raises(PermissionError):
            app.decide(approval, "cust.chen.jing", approved=True)  # nor a customer, who is logged by contact id
        customer = f"contact:{app.actor('cust.chen.jing').contact_id}"
        scripted.enqueue({"content": "Approved by your manager: the discount is booked."})
        app.decide(approval, "zhao.lei", approved=True, note="strategic account, keep it quiet")

        with app.store.session() as s:
            lines = s.scalars(select(AuditEntry).where(AuditEntry.seq > start, ~AuditEntry.event.in_(
                ("decision", "token_issued", "token_redeemed"))).order_by(AuditEntry.seq)).all()
        story = [(e.event, e.actor, e.allowed, (e.details or {}).get("outcome")) for e in lines]
        assert story == [("approval.decided", "li.wei", True, None),  # the rep's own yes to the plan, chained too
                         ("autonomy.decision", "li.wei", None, "escalated"),
                         ("approval.refused", "emma.chen", False, None),
                         ("approval.refused", customer, False, None),
                         # the decision is claimed (and chained) first, then the resumed turn settles the discount
                         ("approval.decided", "zhao.lei", True, None),
                         ("autonomy.escalation_resolved", "zhao.lei", None, "accept")], story
        decided = lines[-2]
        assert decided.at == FIXED_NOW and decided.details["approval"] == approval
        assert decided.details["requested_by"] == "li.wei" and decided.details["named_approver"] == "zhao.lei"
        chained = json.dumps([[e.actor, e.reason, e.details] for e in lines], ensure_ascii=False)
        assert "keep it quiet" not in chained and "cust.chen.jing" not in chained  # no free text, no customer login

        code, report, _ = verify_cli(data_dir, tessera=app)
        assert code == 0
        assert report["ok"] and report["anchored"] == report["entries"] and report["twins_checked"] > 0

        resolved = lines[5]  # escalation_resolved, whose twin is the queryable autonomy_audit row
        twin = resolved.details["twin"]  # edited behind the chain's back
        with app.store.session() as s:
            s.execute(update(AutonomyAudit).where(AutonomyAudit.id == twin["id"]).values(actor="emma.chen"))
        code, _, err = verify_cli(data_dir, tessera=app)
        assert code == 1 and f"autonomy_audit row {twin['id']} was changed after it was written" in err
        with app.store.session() as s:
            s.execute(delete(AutonomyAudit).where(AutonomyAudit.id == twin["id"]))
        code, _, err = verify_cli(data_dir, tessera=app)
        assert code == 1 and f"autonomy_audit row {twin['id']} was deleted (its twin is seq {resolved.seq})" in err
    finally:
        app.close()


# -- the key -------------------------------------------------------------------------------------------------------
def test_the_key_is_shown_and_rotated_and_heads_of_both_keys_verify(logged):
    store, data_dir = logged
    shown = run_cli("audit", "key", "--json", settings=settings_for(data_dir))
    assert shown.exit_code == 0
    before = json.loads(shown.stdout)
    assert before["public_key"].startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in json.dumps(before)

    rotated = run_cli("audit", "key", "--rotate", "--json", settings=settings_for(data_dir))
    assert rotated.exit_code == 0
    after = json.loads(rotated.stdout)
    assert after["key_id"] != before["key_id"] and set(after["known_keys"]) == {before["key_id"], after["key_id"]}
    assert after["sealed_count"] == last_seq(store)  # the new key vouches for everything before it
    code, report, _ = verify_cli(data_dir)
    assert code == 0 and report["anchored"] == report["entries"]


def test_the_key_is_not_rotated_over_a_broken_log(logged):
    store, data_dir = logged
    key_before = (data_dir / "audit" / "signing-key.pem").read_bytes()
    with store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == last_seq(store)))
    refused = run_cli("audit", "key", "--rotate", settings=settings_for(data_dir))
    assert refused.exit_code == 1 and "was not rotated" in refused.stderr
    assert (data_dir / "audit" / "signing-key.pem").read_bytes() == key_before


def test_an_auditor_verifies_with_the_public_keys_alone(logged, tmp_path):
    store, data_dir = logged
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    for name in ("public-keys.jsonl", "heads.jsonl"):
        shutil.copy(data_dir / "audit" / name, auditor / name)
    settings = settings_for(data_dir, audit={"key_file": str(auditor / "signing-key.pem")})
    assert run_cli("audit", "verify", settings=settings).exit_code == 0
    assert not (auditor / "signing-key.pem").exists()  # verifying never makes a key
    with store.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == last_seq(store)))
    done = run_cli("audit", "verify", settings=settings)
    assert done.exit_code == 1 and "removed from the end" in done.stderr
