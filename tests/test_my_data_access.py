"""A customer asks who has looked at their data: the reads of their own data from the privacy audit log (which staff
role and person, when, which data, for what purpose), never anyone else's; staff cannot call the tool."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import User
from crm.privacy.models import AuditEntry
from tests.security.erasure_support import changed_rows, snapshot
from tests.test_sales_tools import call


def _customers_read_by(tessera, login: str) -> tuple[set[int], dict[int, str]]:
    with tessera.store.session() as s:
        read = set(s.scalars(select(AuditEntry.contact_id).where(
            AuditEntry.actor == login, AuditEntry.allowed.is_(True), AuditEntry.event == "decision")))
        customers = {u.contact_id: u.login for u in s.scalars(select(User).where(User.role == "customer"))}
    return read, customers


def test_a_customer_sees_who_read_her_data_and_no_one_elses(tessera):
    assert call(tessera, "li.wei", "find_contacts", account="Acme Robotics")["ok"]  # li.wei reads Acme's contacts
    read, customers = _customers_read_by(tessera, "li.wei")
    seen = [customers[c] for c in read if c in customers]
    unseen = [login for c, login in customers.items() if c not in read]
    assert seen and unseen, "the seed needs a customer among Acme's contacts and one elsewhere"
    before = snapshot(tessera.store)
    mine = call(tessera, seen[0], "my_data_access", what="my phone number")
    assert mine["ok"] and mine["total"] >= 1
    with tessera.store.session() as s:
        rep = s.scalar(select(User.display_name).where(User.login == "li.wei"))
    assert rep in {r["name"] for r in mine["items"]}
    assert all(r["who"] == "sales rep" for r in mine["items"] if r["name"] == rep)
    assert all(r["data"] == "phone number" for r in mine["items"])
    other = call(tessera, unseen[0], "my_data_access")
    assert other["ok"] and all(r["name"] != rep for r in other["items"])
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"privacy_audit_log"}


def test_a_rep_cannot_ask_who_read_a_customers_data(tessera):
    result = call(tessera, "li.wei", "my_data_access", what="phone number")
    assert result["ok"] is False and "customer" in str(result.get("error"))


def test_the_customer_asks_in_her_own_words(tessera):
    turn = tessera.chat("cust.sarah.miller", "who-read",
                        "Can you tell me who at your company has looked at my phone number?")
    assert [c["name"] for c in turn.tool_calls] == ["my_data_access"]
    assert "phone number" in turn.reply


def test_who_else_can_see_it_names_whom_it_was_shared_with_outside_the_company(tessera):
    before = snapshot(tessera.store)
    phone = call(tessera, "cust.chen.jing", "my_data_access", what="my phone number")
    assert phone["ok"] and phone["shared with"] == ["SF Express (顺丰速运)"]  # the seeded courier holds her phone
    assert "SF Express" in phone["about"]
    email = call(tessera, "cust.chen.jing", "my_data_access", what="my email")
    assert email["ok"] and "shared with" not in email and "没有与任何外部对象共享" in email["about"]  # she reads Chinese
    turn = tessera.chat("cust.chen.jing", "who-else", "谁能看到我的电话号码？")
    assert [c["name"] for c in turn.tool_calls] == ["my_data_access"] and "顺丰速运" in turn.reply
    assert set(changed_rows(before, snapshot(tessera.store))) <= {"privacy_audit_log", "privacy_audit_head",
                                                                  "turn_traces", "turn_journal"}
