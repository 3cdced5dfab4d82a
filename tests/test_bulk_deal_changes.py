"""A change asked for every deal of an account: the account's open deals are found, the change to each is shown as one
plan, and nothing is written until the rep's explicit yes; "no" writes nothing; other accounts' deals stay as they
were."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import OPEN_STAGES, Account, Deal
from tests.security.erasure_support import changed_rows, snapshot

BOOKKEEPING = {"undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight",
               "idempotent_turns", "autonomy_audit", "data_versions"}


def business(store) -> dict:
    return {t: rows for t, rows in snapshot(store).items() if t not in BOOKKEEPING}


def open_deal_ids(tessera, account: str) -> list[int]:
    with tessera.store.session() as s:
        acc = s.scalar(select(Account).where(Account.name == account))
        return sorted(s.scalars(select(Deal.id).where(Deal.account_id == acc.id, Deal.stage.in_(OPEN_STAGES))))


def test_every_deal_of_an_account_is_one_plan_and_only_the_yes_writes_it(tessera):
    ids = open_deal_ids(tessera, "Acme Robotics")
    assert len(ids) >= 2
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "bulk", "mark every deal of Acme Robotics as lost")
    assert turn.confirmation and turn.confirmation["bulk"], turn.reply
    assert [a["args"]["deal"] for a in turn.confirmation["actions"]] == [f"D-{i}" for i in ids]
    assert all(f"D-{i}" in turn.reply for i in ids)
    assert business(tessera.store) == before  # shown, not done

    done = tessera.chat("li.wei", "bulk", "yes")
    changed = changed_rows(before, business(tessera.store))
    assert changed["deals"] == {(i,) for i in ids}  # those deals and no other
    assert set(changed) == {"deals", "deal_stage_changes"}, done.reply
    with tessera.store.session() as s:
        assert {s.get(Deal, i).stage for i in ids} == {"lost"}


def test_a_no_to_the_bulk_plan_writes_nothing(tessera):
    before = business(tessera.store)
    turn = tessera.chat("li.wei", "bulk-no", "把北辰医疗器械所有的商机都标成输单")
    assert turn.confirmation and turn.confirmation["bulk"], turn.reply
    assert "move_deal_stage with" not in turn.reply  # the plan is words, not a call
    tessera.chat("li.wei", "bulk-no", "不用了")
    assert business(tessera.store) == before
