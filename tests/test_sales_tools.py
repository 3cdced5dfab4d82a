"""The CRM tools called directly, as the graph calls them: scoped by the acting user, clear errors on bad input."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.actor import Actor
from crm.autonomy.sharing import share_account
from crm.models import Account, Activity, Case, Deal, User
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


def call(tessera: Tessera, login: str, tool: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL[tool].invoke(ctx, args)


def test_a_rep_sees_the_real_deals_of_an_account_in_their_unit(tessera):
    result = call(tessera, "li.wei", "find_deals", account="acme")
    assert result["ok"] and result["total"] >= 3
    with tessera.store.session() as s:
        stored = set(s.scalars(select(Deal.id).join(Deal.account).where(Deal.account.has(name="Acme Robotics"))))
    assert {int(d["deal"].removeprefix("D-")) for d in result["items"]} <= stored
    assert all(d["account"] == "Acme Robotics" for d in result["items"])



def test_my_deals_are_the_callers_own_in_either_language(tessera):
    with tessera.store.session() as s:
        mine = set(s.scalars(select(Deal.id).where(Deal.owner.has(login="li.wei"), Deal.stage == "negotiation")))
    for text in ("show me my deals in negotiation", "我的商机里哪些在谈判阶段？"):
        turn = tessera.chat("li.wei", "mine", text)
        [step] = turn.tool_calls
        assert step["name"] == "find_deals" and step["args"]["owner"] == "me", turn.reply
    listed = call(tessera, "li.wei", "find_deals", owner="me", stage="negotiation")
    assert mine and {int(d["deal"][2:]) for d in listed["items"]} == mine

def test_a_rep_of_one_unit_cannot_read_another_units_account(tessera):
    result = call(tessera, "li.wei", "account_summary", account="Globex Logistics")
    assert not result["ok"]
    assert "Globex" in result["error"]
    assert "deals" not in result


def test_a_manager_sees_every_unit(tessera):
    assert call(tessera, "zhao.lei", "account_summary", account="Globex Logistics")["ok"]


def test_logging_a_call_writes_an_activity(tessera):
    before = _count(tessera, Activity)
    result = call(tessera, "li.wei", "log_activity", account="Acme Robotics", kind="call", subject="renewal pricing")
    assert result["ok"], result
    assert _count(tessera, Activity) == before + 1
    with tessera.store.session() as s:
        latest = s.scalars(select(Activity).order_by(Activity.id.desc())).first()
        assert (latest.kind, latest.subject, latest.occurred_at) == ("call", "renewal pricing", FIXED_NOW)


def test_bad_arguments_get_a_clear_error_and_change_nothing(tessera):
    before = _count(tessera, Activity)
    result = call(tessera, "li.wei", "log_activity", account="Acme Robotics", kind="telepathy", subject="x")
    assert not result["ok"] and "kind" in result["error"]
    assert _count(tessera, Activity) == before


def test_an_ambiguous_account_name_lists_the_candidates(tessera):
    result = call(tessera, "zhao.lei", "find_deals", account="a")
    assert not result["ok"] and len(result["candidates"]) > 1


def test_moving_a_deal_to_won_sets_its_close_date(tessera):
    open_deal = next(d for d in call(tessera, "li.wei", "find_deals", account="Acme Robotics")["items"]
                     if d["stage"] in ("proposal", "negotiation"))
    result = call(tessera, "li.wei", "move_deal_stage", deal=open_deal["deal"], stage="won")
    assert result["ok"] and result["record"]["stage"] == "won"
    assert result["record"]["closed_on"] == FIXED_NOW.date().isoformat()


def test_a_complaint_in_free_text_becomes_a_classified_case_with_its_reasons(tessera):
    result = call(tessera, "li.wei", "open_case", account="Acme Robotics",
                  text="This is unacceptable, the delivery is two weeks late again and our line stopped")
    assert result["ok"]
    assert result["record"]["kind"] == "complaint"
    assert result["record"]["category"] == "delivery_delay"
    assert result["record"]["priority"] == "urgent"
    assert any("line stopped" in r for r in result["reasons"])
    with tessera.store.session() as s:
        case = s.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case.classification["category"] == "delivery_delay"
        assert case.created_at == FIXED_NOW  # the tools' clock, as activities and tasks are dated


def test_a_case_opened_in_chat_says_what_was_written_in_the_openers_words(tessera):
    turn = tessera.chat("emma.chen", "case-words", "open a case for 海天电子: the installation is delayed")
    assert [c["name"] for c in turn.tool_calls] == ["open_case"]
    assert [w["new"] for w in turn.written] == ["the installation is delayed"]
    assert "a new record" not in turn.reply


def test_win_rate_by_unit_covers_the_managers_region_only(tessera):
    result = call(tessera, "zhao.lei", "query_metrics", metrics=["win_rate"], group_by=["unit"],
                  language="en")
    assert result["ok"]
    assert {r["sales unit"] for r in result["items"]} == {"East Enterprise", "East SMB"}
    assert all(0 <= float(r["win rate"].rstrip("%")) <= 100 for r in result["items"])
    assert "won plus lost" in result["how"]["definitions"]["win_rate"]


def test_a_customer_cannot_search_deals(tessera):
    result = call(tessera, "cust.chen.jing", "find_deals")
    assert not result["ok"] and "customer" in result["error"]


def _count(tessera, entity) -> int:
    with tessera.store.session() as s:
        return s.scalar(select(func.count()).select_from(entity))



def test_a_colleague_of_another_unit_is_said_to_be_out_of_sight_not_to_have_no_deals(tessera):
    refused = call(tessera, "james.liu", "find_deals", owner="li.wei", open=True)
    assert not refused["ok"] and refused["error_kind"] == "owner_other_unit" and "items" not in refused
    assert "another sales unit (East Enterprise)" in refused["error"]
    manager = call(tessera, "zhao.lei", "find_deals", owner="li.wei", open=True)
    colleague = call(tessera, "emma.chen", "find_deals", owner="li.wei", open=True)
    assert manager["ok"] and manager["total"] > 0 and colleague["total"] == manager["total"]
    with tessera.store.session() as s:  # a deal of his on an account shared with south-retail is shown as any other
        account = s.scalar(select(Account.name).join(Deal, Deal.account_id == Account.id)
                           .join(User, User.id == Deal.owner_id).where(User.login == "li.wei").limit(1))
        share_account(s, Actor(user_id=0, login="admin", role="admin", unit_id=None), account=account,
                      unit="south-retail", reason="joint bid", now=FIXED_NOW)
    shared = call(tessera, "james.liu", "find_deals", owner="li.wei")
    assert shared["ok"] and shared["total"] >= 1
    assert {d["account"] for d in shared["items"]} == {account}


def test_a_colleague_of_another_unit_is_said_to_own_accounts_out_of_sight_not_none(tessera):
    refused = call(tessera, "li.wei", "find_accounts", owner="wang.fang")
    assert not refused["ok"] and refused["error_kind"] == "owner_other_unit_accounts" and "items" not in refused
    assert "another sales unit (North Industry)" in refused["error"]
    manager = call(tessera, "olivia.wang", "find_accounts", owner="wang.fang")
    own_unit = call(tessera, "li.wei", "find_accounts", owner="emma.chen")
    assert manager["ok"] and manager["total"] > 0 and own_unit["ok"] and own_unit["total"] > 0


def test_a_colleague_named_as_the_owner_of_accounts_fills_the_owner(tessera):
    for said in ("show me Emma Chen's accounts", "Emma Chen的客户有哪些"):
        turn = tessera.chat("li.wei", f"owner {said}", said)
        assert [c["name"] for c in turn.tool_calls] == ["find_accounts"], turn.reply
        assert turn.tool_calls[0]["args"]["owner"] in ("emma.chen", "Emma Chen"), turn.tool_calls
