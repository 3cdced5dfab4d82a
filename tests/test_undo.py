"""Say what was written, with undo: every write reports record, field, old → new; undo restores exactly the old values
of the user's own last request and changes nothing else; irreversible writes and other users' writes are refused."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.auth import issue_token
from channels.http_api import create_app
from crm.models import OPEN_STAGES, Deal, User
from tessera.runtime import Tessera
from tessera.settings import AgentModels
from tests.conftest import FIXED_NOW, settings_for
from tests.security.erasure_support import changed_rows, snapshot
from tools.base import ToolContext
from tools.registry import ALL

# Rows every write adds beside its change: the undo log itself, turn bookkeeping and the append-only audit trails.
BOOKKEEPING = {"api_tokens", "undo_log", "turn_traces", "pending_approvals", "privacy_audit_log", "turns_in_flight",
               "idempotent_turns", "autonomy_audit", "data_versions"}


@pytest.fixture
def app(data_dir, scripted) -> Tessera:
    tessera = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", fallbacks=[])),
                      clock=lambda: FIXED_NOW, seed=False)
    yield tessera
    tessera.close()


def call(app: Tessera, login: str, tool: str, turn: str = "turn-1", **args) -> dict:
    ctx = ToolContext(store=app.store, actor=app.actor(login), clock=lambda: FIXED_NOW, turn_id=turn)
    return ALL[tool].invoke(ctx, args)


def open_deal(app: Tessera, login: str = "li.wei") -> Deal:
    with app.store.session() as s:
        owner = s.scalar(select(User).where(User.login == login))
        deal = s.scalars(select(Deal).where(Deal.owner_id == owner.id, Deal.stage.in_(("lead", "qualified",
                                                                                       "proposal")))
                         .order_by(Deal.id)).first()
        s.expunge(deal)
        return deal


def without_bookkeeping(store) -> dict:
    return {t: rows for t, rows in snapshot(store).items() if t not in BOOKKEEPING}


def test_moving_a_deal_says_old_and_new_and_undo_restores_exactly_what_was_there(app):
    deal = open_deal(app)
    before = without_bookkeeping(app.store)
    moved = call(app, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="negotiation")
    assert moved["ok"] and {"record": f"D-{deal.id}", "field": "stage", "old": deal.stage,
                            "new": "negotiation"} in moved["written"]
    assert moved["undo"]["id"]
    assert set(changed_rows(before, without_bookkeeping(app.store))) == {"deals", "deal_stage_changes"}

    undone = call(app, "li.wei", "undo_last", turn="turn-2")
    assert undone["ok"] and {"record": f"D-{deal.id}", "field": "stage", "old": "negotiation",
                             "new": deal.stage} in undone["restored"]
    assert without_bookkeeping(app.store) == before  # updated_at and the stage history: byte for byte what was there


def test_undo_takes_back_a_logged_call_and_only_it(app):
    earlier = call(app, "li.wei", "log_activity", turn="turn-0", account="Acme Robotics", kind="call",
                   subject="kick-off")
    before = without_bookkeeping(app.store)
    logged = call(app, "li.wei", "log_activity", account="Acme Robotics", kind="call", subject="renewal pricing")
    assert logged["written"][0]["field"] == "(created)" and logged["undo"]
    assert call(app, "li.wei", "undo_last", turn="turn-2")["ok"]
    assert without_bookkeeping(app.store) == before  # the earlier call of another turn is still there
    assert earlier["ok"]


def test_a_write_that_was_confirmed_as_irreversible_is_not_undone(app):
    deal = open_deal(app)
    closed = call(app, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="won")
    assert closed["ok"] and "undo" not in closed and closed["written"]
    before = snapshot(app.store)
    refused = call(app, "li.wei", "undo_last", turn="turn-2")
    assert not refused["ok"] and "cannot be undone" in refused["error"]
    assert snapshot(app.store) == before


def test_undo_refuses_when_the_record_was_changed_again_since(app):
    deal = open_deal(app)
    call(app, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="negotiation")
    call(app, "zhao.lei", "move_deal_stage", turn="manager", deal=f"D-{deal.id}", stage="proposal")
    before = snapshot(app.store)
    refused = call(app, "li.wei", "undo_last", turn="turn-2")
    assert not refused["ok"] and "changed again since" in refused["error"]
    assert snapshot(app.store) == before


def test_nothing_to_undo_is_said_plainly(app):
    refused = call(app, "emma.chen", "undo_last")
    assert not refused["ok"] and "nothing of yours to undo" in refused["error"]


def test_the_chat_reply_says_what_was_written_and_offers_undo_and_undo_in_chat_restores_it(app, scripted):
    deal = open_deal(app)
    before = without_bookkeeping(app.store)
    scripted.enqueue({"tool_calls": [{"name": "move_deal_stage", "args": {"deal": f"D-{deal.id}",
                                                                           "stage": "negotiation"}}]},
                     {"content": "Moved."})
    turn = app.chat("li.wei", "undo", f"move D-{deal.id} to negotiation")
    assert f"D-{deal.id} stage: {deal.stage} → negotiation" in turn.reply and "Say 'undo'" in turn.reply
    assert turn.undo_ids and turn.written
    scripted.enqueue({"tool_calls": [{"name": "undo_last", "args": {}}]}, {"content": "Undone."})
    app.chat("li.wei", "undo", "undo that")
    assert without_bookkeeping(app.store) == before


def test_over_http_only_the_writer_may_undo_and_a_stranger_is_refused(app):
    deal = open_deal(app)
    before = without_bookkeeping(app.store)
    moved = call(app, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="negotiation")
    with app.store.session() as s:
        rep, colleague, manager, customer = (issue_token(s, who) for who in ("li.wei", "emma.chen", "zhao.lei",
                                                                             "cust.chen.jing"))
    after_move = without_bookkeeping(app.store)
    entry = moved["undo"]["id"]
    with TestClient(create_app(app)) as client:
        for other in (colleague, manager, customer):
            refused = client.post(f"/v1/undo/{entry}", json={}, headers={"Authorization": f"Bearer {other}"})
            assert refused.status_code == 403, refused.text
        assert client.post(f"/v1/undo/{entry}", json={}).status_code == 401
        assert client.post("/v1/undo", json={}, headers={"Authorization": f"Bearer {colleague}"}).status_code == 409
        assert client.post("/v1/undo/999999", json={}, headers={"Authorization": f"Bearer {rep}"}).status_code == 404
        assert without_bookkeeping(app.store) == after_move  # nobody else's attempt changed anything

        done = client.post(f"/v1/undo/{entry}", json={}, headers={"Authorization": f"Bearer {rep}"})
        assert done.status_code == 200 and done.json()["undo_ids"] == [entry]
        assert without_bookkeeping(app.store) == {**after_move, "deals": before["deals"],
                                                  "deal_stage_changes": before["deal_stage_changes"]}
        again = client.post(f"/v1/undo/{entry}", json={}, headers={"Authorization": f"Bearer {rep}"})
        assert again.status_code == 409 and without_bookkeeping(app.store)["deals"] == before["deals"]
