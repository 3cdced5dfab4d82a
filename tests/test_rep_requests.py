"""Reps' requests as they phrase them: an account named by its weight ("our biggest customer"), a deal named by a
property of an account's deals, moved in one turn (find, then act); nothing else in the store changes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import Account, Deal, User
from crm.services.scope import scoped
from tests.test_tasks import rows


def test_our_biggest_customer_is_the_visible_account_with_the_most_won_value_and_the_reply_names_it(tessera):
    with tessera.store.session() as s:
        actor = tessera.actor("james.liu")
        won = func.sum(Deal.amount)
        top = s.execute(scoped(select(Deal.account_id, won), actor, Deal.unit_id).where(Deal.stage == "won")
                        .group_by(Deal.account_id).order_by(won.desc())).first()
        name = s.get(Account, top[0]).name
        assert s.scalar(select(User.unit_id).where(User.login == "james.liu")) == s.get(Account, top[0]).unit_id
    before = rows(tessera, Deal)
    for text in ("what did we last talk about with our biggest customer?", "上次和我们最大的客户聊了什么？"):
        turn = tessera.chat("james.liu", text, text)
        assert [c["name"] for c in turn.tool_calls] == ["last_discussed"]
        assert name in turn.reply and "with whom" not in turn.reply
    assert rows(tessera, Deal) == before


def test_an_accounts_smallest_open_deal_is_found_then_moved_and_no_other_deal_changes(tessera):
    with tessera.store.session() as s:
        acme = s.scalar(select(Account).where(Account.name == "Acme Robotics"))
        open_deals = s.scalars(select(Deal).where(Deal.account_id == acme.id,
                                                   Deal.stage.notin_(("won", "lost")))).all()
        smallest = min(open_deals, key=lambda d: (d.amount, d.id))
        assert smallest.stage != "negotiation"
        target = f"D-{smallest.id}"
    before = {r[0]: r for r in rows(tessera, Deal)}
    turn = tessera.chat("li.wei", "smallest", "push Acme Robotics' smallest deal to negotiation")
    assert [c["name"] for c in turn.tool_calls] == ["find_deals", "move_deal_stage"]
    assert turn.tool_calls[1]["args"]["deal"] == target and turn.tool_calls[1]["args"]["stage"] == "negotiation"
    after = {r[0]: r for r in rows(tessera, Deal)}
    assert {k for k in after if after[k] != before.get(k)} == {smallest.id}
    with tessera.store.session() as s:
        assert s.get(Deal, smallest.id).stage == "negotiation"


def test_a_deal_id_answering_which_deal_is_taken_even_when_not_listed_and_nothing_moves_before_yes(tessera):
    before = rows(tessera, Deal)
    asked = tessera.chat("james.liu", "which", "mark the deal as won")
    assert asked.tool_calls == [] and "?" in asked.reply
    answered = tessera.chat("james.liu", "which", "D-1867")
    assert [(c["name"], c["args"].get("deal"), c["args"].get("stage")) for c in answered.tool_calls] == \
        [("move_deal_stage", "D-1867", "won")]
    assert answered.confirmation is not None  # closing a deal won waits for the user's own yes
    assert rows(tessera, Deal) == before


@pytest.mark.parametrize("said", ["我这个月签了几单", "我今年赢了几单"])
def test_a_rep_counting_what_they_closed_counts_their_own_deals_not_the_units(tessera, said):
    turn = tessera.chat("emma.chen", f"own {said}", said)
    assert [c["name"] for c in turn.tool_calls] == ["find_deals"], turn.reply
    assert turn.tool_calls[0]["args"]["owner"] == "me" and turn.tool_calls[0]["args"]["stage"] == "won"
    ours = tessera.chat("emma.chen", "ours", "我们这个月签了几单")  # "we": the unit's, not hers
    assert ours.tool_calls[0]["args"].get("owner") != "me"
