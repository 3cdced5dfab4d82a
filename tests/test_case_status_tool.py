"""Where one case stands, asked in chat: a rep of the case's unit reads its status, account and dates; another
unit's rep and a customer are refused without learning whose case it is; asking writes nothing."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Account, Case
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


def call(tessera: Tessera, login: str, case: str) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL["case_status"].invoke(ctx, {"case": case})


def cases(tessera: Tessera) -> dict[int, tuple]:
    with tessera.store.session() as s:
        return {c.id: (c.status, c.closed_at, c.description) for c in s.scalars(select(Case))}


def case_of_unit(tessera: Tessera, unit: int, status: str) -> tuple[int, str]:
    with tessera.store.session() as s:
        return s.execute(select(Case.id, Account.name).join(Account, Account.id == Case.account_id)
                         .where(Account.unit_id == unit, Case.status == status).order_by(Case.id).limit(1)).one()


def test_a_rep_reads_an_open_case_of_their_unit_with_its_account_and_opening_day(tessera):
    case, account = case_of_unit(tessera, 1, "open")
    read = call(tessera, "li.wei", f"is C-{case} still open?")
    assert read["ok"] and read["record"]["status"] == "open" and read["record"]["account"] == account
    assert read["record"]["case"] == f"C-{case}" and read["record"]["opened"] and "closed" not in read["record"]
    assert "description" not in read["record"]  # the customer's words are personal data, not a status


def test_a_closed_case_says_when_it_was_closed(tessera):
    case, _ = case_of_unit(tessera, 1, "closed")
    read = call(tessera, "emma.chen", f"工单C-{case}什么时候关的")
    with tessera.store.session() as s:
        closed_at = s.get(Case, case).closed_at
    assert read["ok"] and read["record"]["status"] == "closed" and read["record"]["closed"] == f"{closed_at:%Y-%m-%d}"


def test_another_units_rep_and_a_customer_are_refused_without_the_account_named(tessera):
    case, account = case_of_unit(tessera, 1, "open")
    other = call(tessera, "wang.fang", f"C-{case}")
    assert not other["ok"] and other["error_kind"] == "other_unit_case" and account not in other["error"]
    customer = call(tessera, "cust.mark.taylor", f"C-{case}")
    assert not customer["ok"] and customer["error_kind"] == "customer_case_lookup" and account not in customer["error"]
    missing = call(tessera, "li.wei", "C-999999")
    assert not missing["ok"] and missing["error_kind"] == "no_case"


def test_asking_about_a_case_in_chat_reads_it_and_changes_nothing(tessera):
    case, account = case_of_unit(tessera, 1, "open")
    before = cases(tessera)
    for login, words in (("li.wei", f"is C-{case} still open?"), ("emma.chen", f"工单C-{case}关闭了吗？")):
        turn = tessera.chat(login, words, words)
        assert [c["name"] for c in turn.tool_calls] == ["case_status"], turn.reply
        assert account in turn.reply and turn.confirmation is None
        assert cases(tessera) == before, words
