"""The meeting prep card and the daily brief, as a rep asks for them: graded against the store, reading only,
scoped to the rep's accounts and passing consent."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm.models import Account, Activity, Case, Contact, Deal, User
from crm.privacy.consents import record_consent
from crm.tasks.models import Task
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL

TABLES = (Activity, Task, Case, Deal)


def call(tessera: Tessera, login: str, tool: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW,
                      scores=tessera.deal_scores)
    return ALL[tool].invoke(ctx, args)


def counts(tessera: Tessera) -> dict:
    with tessera.store.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}


def test_prep_me_for_a_meeting_logs_nothing_and_shows_the_accounts_real_state(tessera):
    before = counts(tessera)
    turn = tessera.chat("li.wei", "t", "prep me for my meeting with Acme Robotics tomorrow")
    assert [c["name"] for c in turn.tool_calls] == ["prep_meeting"]
    assert counts(tessera) == before  # a question writes nothing: no activity, no task
    card = call(tessera, "li.wei", "prep_meeting", account="Acme Robotics")
    with tessera.store.session() as s:
        acme = s.scalar(select(Account).where(Account.name == "Acme Robotics"))
        open_ids = {f"D-{i}" for i in s.scalars(select(Deal.id).where(
            Deal.account_id == acme.id, Deal.stage.in_(("lead", "qualified", "proposal", "negotiation"))))}
        latest = s.scalar(select(Activity).where(Activity.account_id == acme.id).order_by(Activity.occurred_at.desc()))
        people = set(s.scalars(select(Contact.full_name).where(Contact.account_id == acme.id)))
    assert {d["deal"] for d in card["open_deals"]} == open_ids
    assert all(d["win"].endswith("%") and d["why"] for d in card["open_deals"])
    assert card["last_interactions"][0]["activity"] == f"A-{latest.id}"
    assert {c["name"] for c in card["who_we_meet"]} == people
    assert len(card["record"]["talking_points"]) == 3
    assert any(d in turn.reply for d in open_ids)


def test_the_prep_card_says_which_follow_ups_consent_rules_out_and_why(tessera):
    with tessera.store.session() as s:
        liu = s.scalar(select(Contact).where(Contact.full_name == "刘强"))
        record_consent(s, contact_id=liu.id, category="user.contact", purpose="marketing", granted=False,
                       channel="chat", by="li.wei", now=FIXED_NOW - dt.timedelta(hours=1))
    card = call(tessera, "li.wei", "prep_meeting", account="北辰医疗器械")
    [liu_row] = [c for c in card["who_we_meet"] if c["name"] == "刘强"]
    assert "no send marketing emails" in liu_row["not"] and "refused" in liu_row["not"] or "revoked" in liu_row["not"]
    assert "call or email about open deals" in liu_row["may"]


def test_a_rep_cannot_prep_for_another_units_account_and_a_customer_gets_no_card(tessera):
    other = call(tessera, "wang.fang", "prep_meeting", account="Acme Robotics")
    assert not other["ok"] and "among the accounts you can see" in other["error"]
    customer = call(tessera, "cust.chen.jing", "prep_meeting", account="北辰医疗器械")
    assert not customer["ok"]


def test_the_daily_brief_ranks_overdue_follow_ups_first_and_lists_only_the_reps_own_work(tessera):
    before = counts(tessera)
    turn = tessera.chat("li.wei", "t", "今天我应该先给谁打电话？")
    assert [c["name"] for c in turn.tool_calls] == ["daily_brief"]
    assert counts(tessera) == before
    brief = call(tessera, "li.wei", "daily_brief")
    with tessera.store.session() as s:
        li = s.scalar(select(User).where(User.login == "li.wei"))
        overdue = {f"T-{i}" for i in s.scalars(select(Task.id).where(
            Task.owner_id == li.id, Task.status == "open", Task.due_at < dt.datetime(2026, 11, 26)))}
        mine = {f"D-{i}" for i in s.scalars(select(Deal.id).where(Deal.owner_id == li.id))}
        slipping = {f"D-{i}" for i in s.scalars(select(Deal.id).where(
            Deal.owner_id == li.id, Deal.stage.in_(("lead", "qualified", "proposal", "negotiation")),
            Deal.expected_close < FIXED_NOW.date()))}
    links = [i["link"] for i in brief["items"]]
    assert set(links[:len(overdue)]) == overdue  # overdue tasks first
    assert slipping <= set(links)
    assert all(link in mine for link in links if link.startswith("D-"))
    assert [i["rank"] for i in brief["items"]] == list(range(1, len(links) + 1))
    assert all(t in turn.reply for t in overdue)


def test_a_consent_about_to_expire_and_a_case_waiting_reach_the_brief(tessera):
    with tessera.store.session() as s:
        li = s.scalar(select(User).where(User.login == "li.wei"))
        acme = s.scalar(select(Account).where(Account.name == "Acme Robotics"))
        mark = s.scalar(select(Contact).where(Contact.full_name == "Mark Taylor"))
        record_consent(s, contact_id=mark.id, category="user.contact", purpose="marketing.communications",
                       granted=True, channel="event", by="li.wei", now=FIXED_NOW - dt.timedelta(days=1),
                       expires_at=FIXED_NOW + dt.timedelta(days=9))
        s.add(Case(account_id=acme.id, contact_id=mark.id, opened_by=li.id, kind="complaint", category="billing",
                   priority="urgent", status="open", description="charged twice", created_at=FIXED_NOW))
    brief = call(tessera, "li.wei", "daily_brief")
    kinds = {i["kind"] for i in brief["items"]}
    assert {"待处理工单", "授权即将到期"} <= kinds  # li.wei reads Chinese
    urgent = next(i for i in brief["items"] if i["kind"] == "待处理工单")
    overdue = sum(1 for i in brief["items"] if i["kind"] == "逾期任务")
    assert urgent["rank"] == overdue + 1 and "billing" in urgent["what"]  # right after the slipped follow-ups
    assert any("Mark Taylor" in i["what"] and "9天后到期" in i["why"] for i in brief["items"]), brief["items"]
