"""What did we last discuss with X: the latest notes and cases, newest first, passages within scope and consent."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Account, Activity, Contact
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


def call(tessera: Tessera, login: str, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL["last_discussed"].invoke(ctx, args)


def test_what_we_last_discussed_with_an_account_is_its_newest_notes_with_passages_and_links(tessera):
    turn = tessera.chat("li.wei", "t", "上次和北辰医疗器械聊了什么？")
    assert [c["name"] for c in turn.tool_calls] == ["last_discussed"]
    found = call(tessera, "li.wei", account="北辰医疗器械")
    with tessera.store.session() as s:
        beichen = s.scalar(select(Account).where(Account.name == "北辰医疗器械"))
        newest = s.scalars(select(Activity).where(Activity.account_id == beichen.id)
                           .order_by(Activity.occurred_at.desc()).limit(3)).all()
    assert [i["link"] for i in found["items"]][:1] == [f"A-{newest[0].id}"]
    assert newest[0].body in found["items"][0]["passage"]
    assert found["items"][0]["link"] in turn.reply


def test_with_one_contact_only_their_notes_come_back(tessera):
    found = call(tessera, "li.wei", contact="Mark Taylor")
    with tessera.store.session() as s:
        mark = s.get(Contact, 1)
        theirs = {f"A-{i}" for i in s.scalars(select(Activity.id).where(Activity.contact_id == mark.id))}
    assert found["items"] and all(i["link"] in theirs or i["link"].startswith("C-") for i in found["items"])
    assert all(i["with"] == "Mark Taylor" for i in found["items"])


def test_another_units_account_is_not_recalled(tessera):
    other = call(tessera, "wang.fang", account="北辰医疗器械")
    assert not other["ok"] and "among the accounts you can see" in other["error"]
