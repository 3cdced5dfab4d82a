"""Finding 2: erasing one customer rewrote about 200 activities of other people; two erasures left 324 activities
on 189 accounts as "[erased]"; traces and threads whose owner nobody checked were deleted; "请删除我的购买记录"
erased the whole person. Each case below is the reproduction, now a regression test: every row that is not
the person's stays byte-for-byte what it was, or differs only where their own values became "[erased]"."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm.models import Activity, Contact, User
from crm.privacy.erasure import Eraser, scope_from_text
from tests.conftest import FIXED_NOW
from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401
from tests.security.erasure_support import changed_rows, only_values_replaced, owned_keys, snapshot

PHONE, EMAIL = "+86 158 5902 5379", "chen.jing@beichen-med.cn"


def contact_of(store, login: str) -> int:
    with store.session() as s:
        return s.scalar(select(User.contact_id).where(User.login == login))


def erase(store, contact_id: int, scope: str = "user") -> dict:
    return Eraser(store).erase(contact_id, scope=scope, now=FIXED_NOW, by="test", channel="test")


def not_hers(before: dict, after: dict, owned: dict[str, set], contact_id: int) -> dict[str, set]:
    """Rows changed that are not the person's: neither owned before nor a new row carrying her contact id."""
    stray = {}
    for table, keys in changed_rows(before, after).items():
        for key in keys - owned.get(table, set()):
            if key not in before[table] and _carries(after[table][key], table, contact_id):
                continue  # a new request or audit line about her
            stray.setdefault(table, set()).add(key)
    return stray


def _carries(row: tuple, table: str, contact_id: int) -> bool:
    from tessera.schema import full_metadata

    names = [c.name for c in full_metadata().tables[table].columns]
    return "contact_id" in names and row[names.index("contact_id")] == contact_id


def test_erasing_a_customer_with_five_activities_changes_only_her_rows(store):
    chen = contact_of(store, "cust.chen.jing")
    with store.session() as s:
        assert s.scalar(select(func.count()).where(Activity.contact_id == chen)) == 5
    owned, before = owned_keys(store, chen), snapshot(store)
    report = erase(store, chen)
    after = snapshot(store)
    assert not_hers(before, after, owned, chen) == {}
    changed = changed_rows(before, after)
    assert len(changed["activities"]) == 5 and report["erased"]["the text of your activities"] == 5
    untouched = sum(len(rows) for table, rows in before.items()) - sum(len(k) for k in changed.values())
    assert untouched > 10_000  # the rest of the demo company, byte for byte


def test_two_erasures_leave_everyone_else_unchanged(store):
    chen, li = contact_of(store, "cust.chen.jing"), contact_of(store, "cust.li.na")
    owned_chen, owned_li, before = owned_keys(store, chen), owned_keys(store, li), snapshot(store)
    erase(store, chen)
    erase(store, li)
    after = snapshot(store)
    stray = not_hers(before, after, {t: owned_chen[t] | owned_li[t] for t in owned_chen}, chen)
    stray = {t: {k for k in keys if not (k not in before[t] and _carries(after[t][k], t, li))} for t, keys in stray.items()}
    assert {t: keys for t, keys in stray.items() if keys} == {}
    with store.session() as s:
        erased = s.scalar(select(func.count()).where(Activity.body == "[erased]"))
    assert erased == 5 + len([k for k in owned_li["activities"]])  # theirs only, not 324


def test_delete_my_purchase_records_erases_that_category_only(store):
    chen = contact_of(store, "cust.chen.jing")
    for words in ("请删除我的购买记录", "delete my purchase records", "delete everything about my orders"):
        assert scope_from_text(words) == "user.behavior.purchase_history", words
    assert scope_from_text("删除我的电话和邮箱") == "user.contact"  # both, and nothing more
    before = snapshot(store)
    report = erase(store, chen, scope_from_text("请删除我的购买记录"))
    after = snapshot(store)
    changed = changed_rows(before, after)
    assert report["erased"] == {"items in your data vault": 1}
    assert set(changed) == {"privacy_vault_items", "privacy_requests", "privacy_audit_log"}
    assert before["contacts"] == after["contacts"] and before["activities"] == after["activities"]
    assert any("会计档案管理办法" in k["rule"] for k in report["kept"])


def test_an_unclear_or_mixed_request_asks_instead_of_erasing_everything():
    for words in ("", "hmm", "please", "my name and my phone"):
        try:
            scope_from_text(words)
        except ValueError as asked:
            assert "erase" in str(asked)
        else:
            raise AssertionError(f"{words!r} was read as a scope")


def test_other_peoples_notes_lose_only_her_values_and_a_namesakes_notes_stay(store):
    chen = contact_of(store, "cust.chen.jing")
    with store.session() as s:
        me = s.get(Contact, chen)
        liu = s.scalar(select(Contact).where(Contact.account_id == me.account_id, Contact.id != chen))
        elsewhere = s.scalar(select(Contact).where(Contact.account_id != me.account_id))
        namesake = Contact(account_id=elsewhere.account_id, full_name="陈静", title="采购", email="cj@other.cn",
                           phone="+86 139 0000 4242", city="成都")
        s.add(namesake)
        s.flush()
        rep = s.scalar(select(User.id).where(User.login == "li.wei"))
        notes = {
            "quote": Activity(account_id=me.account_id, contact_id=liu.id, user_id=rep, kind="note",
                              subject=f"刘强 forwarded {PHONE} and {EMAIL.upper()} to procurement", body="刘强 said so"),
            "account": Activity(account_id=me.account_id, contact_id=None, user_id=rep, kind="note",
                                subject="陈静 will sign next week", body="call 陈静 before Friday"),
            "pinyin": Activity(account_id=me.account_id, contact_id=None, user_id=rep, kind="note",
                               subject="Met Chen Jing at CMEF", body="Jing Chen (chen.jing@beichen-med.cn) wants a call"),
            "namesake": Activity(account_id=namesake.account_id, contact_id=namesake.id, user_id=rep, kind="call",
                                 subject="陈静 (成都) asked for a demo", body="陈静 wants a demo"),
            "longer": Activity(account_id=elsewhere.account_id, contact_id=None, user_id=rep, kind="note",
                               subject="陈静怡 is the new buyer", body=""),
        }
        s.add_all(notes.values())
        s.add(Contact(account_id=elsewhere.account_id, full_name="陈静怡", title="采购", email="jy@other.cn",
                      phone="+86 139 0000 4343", city="成都"))
        s.flush()
        ids = {k: a.id for k, a in notes.items()}
    erase(store, chen)
    with store.session() as s:
        got = {k: (s.get(Activity, i).subject, s.get(Activity, i).body) for k, i in ids.items()}
    assert got["quote"] == ("刘强 forwarded [erased] and [erased] to procurement", "刘强 said so")
    assert got["account"] == ("[erased] will sign next week", "call [erased] before Friday")
    assert got["pinyin"] == ("Met [erased] at CMEF", "[erased] ([erased]) wants a call")  # her name in Latin script
    assert got["namesake"] == ("陈静 (成都) asked for a demo", "陈静 wants a demo")  # another person's
    assert got["longer"] == ("陈静怡 is the new buyer", "")  # a longer name, not hers


def test_traces_and_threads_of_other_users_survive_with_only_her_values_rewritten(ptessera):
    rep_turn = ptessera.chat("li.wei", "beichen", "北辰医疗器械的联系人是谁")
    assert PHONE in rep_turn.reply and "刘强" in rep_turn.reply
    own_turn = ptessera.chat("cust.chen.jing", "me", "我的数据有哪些")
    chen = contact_of(ptessera.store, "cust.chen.jing")
    other_phone = next(line for line in rep_turn.reply.splitlines() if "刘强" in line)

    report = ptessera.eraser.erase(chen, scope="user", now=FIXED_NOW, by="test", channel="test")

    trace = ptessera.traces.get(rep_turn.turn_id)
    assert trace is not None and PHONE not in trace.reply and EMAIL not in trace.reply and "[erased]" in trace.reply
    assert other_phone in trace.reply  # her colleague's row of the same answer is untouched
    assert ptessera.traces.get(own_turn.turn_id) is None  # her own conversation goes whole
    rep_thread = ptessera.graph.get_state(ptessera.config(ptessera.actor("li.wei"), "beichen")).values
    text = " ".join(str(m.content) for m in rep_thread["messages"])
    assert rep_thread["messages"] and PHONE not in text and EMAIL not in text and "刘强" in text
    assert report["erased"]["conversation threads"] >= 2 and report["erased"]["turn traces"] >= 2


def test_a_partial_erasure_rewrites_her_own_thread_instead_of_dropping_it(ptessera):
    ptessera.chat("cust.chen.jing", "me", "你们从哪里得到我的电话号码")
    chen = contact_of(ptessera.store, "cust.chen.jing")
    ptessera.eraser.erase(chen, scope="user.contact.phone_number", now=FIXED_NOW, by="test", channel="test")
    own = ptessera.graph.get_state(ptessera.config(ptessera.actor("cust.chen.jing"), "me")).values["messages"]
    assert own and PHONE not in " ".join(str(m.content) for m in own)
    with ptessera.store.session() as s:
        assert s.get(Contact, chen).email == EMAIL  # not asked for: kept


def test_an_erased_customers_tokens_and_channel_links_stop_working(ptessera):
    from channels.auth import actor_for_token, issue_token
    from crm.identities import ChannelIdentity

    with ptessera.store.session() as s:
        token = issue_token(s, "cust.chen.jing")
        user = s.scalar(select(User).where(User.login == "cust.chen.jing"))
        s.add(ChannelIdentity(channel="slack", external_id="U0CHENJING", user_id=user.id, created_at=dt.datetime(2026, 1, 1)))
        other = issue_token(s, "cust.li.na")
    ptessera.eraser.erase(user.contact_id, scope="user", now=FIXED_NOW, by="test", channel="test")
    with ptessera.store.session() as s:
        assert actor_for_token(s, token) is None
        assert s.scalar(select(func.count()).where(ChannelIdentity.user_id == user.id)) == 0
        assert actor_for_token(s, other).login == "cust.li.na"  # someone else's token still works


def test_the_audit_log_that_outlives_an_erasure_never_names_a_customer_by_login(ptessera):
    from crm.privacy.models import AuditEntry

    for message in ("我的数据有哪些", "你们从哪里得到我的电话号码", "删除我的购买记录"):
        ptessera.chat("cust.chen.jing", "me", message)
    with ptessera.store.session() as s:
        actors = set(s.scalars(select(AuditEntry.actor)))
    assert "cust.chen.jing" not in actors and f"contact:{contact_of(ptessera.store, 'cust.chen.jing')}" in actors
