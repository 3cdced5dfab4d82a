"""What a turn takes over from earlier turns instead of working it out again: the offline model's decision on the
same conversation (tool-call ids aside), the user behind a login, the names their scope shows. Each holds only while
what it was read from holds: a conversation that pairs its results differently, new names (an account shared, a
deal added), a user disabled or moved are read afresh on the very next turn."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from crm.actor import AccessDenied, Actor
from crm.autonomy.sharing import share_account
from crm.models import Account, User
from langchain_core.utils.function_calling import convert_to_openai_tool
from llm.offline.decide import TurnPolicy
from llm.offline.lexicon import EntityName, Lexicon
from tests.conftest import FIXED_NOW
from tools.registry import toolset
from tools.schema import openai_tool

REP = "li.wei"  # a rep of East Enterprise; Horizon Electronics belongs to South Technology (unit 6)


def conversation(first_id: str, second_id: str, results: list[tuple[str, str]], ask: str) -> list[dict]:
    """A turn that called two tools, their results (tool-call id, text), an answer, then a new message."""
    calls = [{"id": first_id, "type": "function", "function": {"name": "find_deals", "arguments": '{"account": "Acme"}'}},
             {"id": second_id, "type": "function", "function": {"name": "find_contacts", "arguments": '{"account": "Acme"}'}}]
    return [{"role": "user", "content": "Acme's deals and contacts"},
            {"role": "assistant", "content": "", "tool_calls": calls},
            *[{"role": "tool", "tool_call_id": i, "content": text} for i, text in results],
            {"role": "assistant", "content": "Here they are."},
            {"role": "user", "content": ask}]


@pytest.fixture
def policy_and_tools():
    names = Lexicon({"account": [EntityName("Acme Robotics"), EntityName("Initech Retail")]})
    tools = [convert_to_openai_tool(openai_tool(t)) for t in toolset("sales")]
    return TurnPolicy(names, clock=lambda: FIXED_NOW.date()), tools


def counting_decisions(policy: TurnPolicy, monkeypatch) -> list[int]:
    decided = []
    work = policy._answer

    def counted(*args, **kwargs):
        decided.append(1)
        return work(*args, **kwargs)

    monkeypatch.setattr(policy, "_answer", counted)
    return decided


def test_a_conversation_repeated_with_fresh_tool_call_ids_is_decided_once(policy_and_tools, monkeypatch):
    policy, tools = policy_and_tools
    decided = counting_decisions(policy, monkeypatch)
    ask = "who are the contacts at Initech Retail"
    first = policy.reply(conversation("call_a1", "call_b1", [("call_a1", '{"ok": true}'), ("call_b1", '{"ok": true, "n": 2}')], ask),
                         tools)
    again = policy.reply(conversation("call_x9", "call_y9", [("call_x9", '{"ok": true}'), ("call_y9", '{"ok": true, "n": 2}')], ask),
                         tools)
    assert len(decided) == 1
    assert (again.kind, again.content, again.tool_calls) == (first.kind, first.content, first.tool_calls)
    assert again is not first and again.tool_calls[0] is not first.tool_calls[0]  # a copy: the caller may change it
    assert first.tool_calls and first.tool_calls[0].arguments["account"] == "Initech Retail"


def test_results_paired_with_other_calls_make_another_conversation(policy_and_tools, monkeypatch):
    policy, tools = policy_and_tools
    decided = counting_decisions(policy, monkeypatch)
    ask = "who are the contacts at Initech Retail"
    policy.reply(conversation("a", "b", [("a", '{"ok": true}'), ("b", '{"ok": true, "n": 2}')], ask), tools)
    policy.reply(conversation("a", "b", [("b", '{"ok": true}'), ("a", '{"ok": true, "n": 2}')], ask), tools)
    assert len(decided) == 2


def test_a_repeated_message_is_read_with_the_names_of_its_turn_not_those_of_the_last(tessera):
    message = "give me an overview of Horizon Electronics"
    before = tessera.chat(REP, "first", message)
    assert "among the accounts you can see" in before.reply  # another unit's account: as if nobody had it
    owner = Actor(user_id=0, login="deng.chao", role="rep", unit_id=6)
    with tessera.store.session() as s:
        share_account(s, owner, account="Horizon Electronics", unit="east-enterprise", reason="joint bid",
                      now=FIXED_NOW)
    after = tessera.chat(REP, "second", message)  # the same conversation, now with the shared account's name
    assert "among the accounts you can see" not in after.reply
    assert [c["name"] for c in after.tool_calls] == ["account_summary"]
    assert after.tool_calls[0]["args"]["account"] == "Horizon Electronics"


def test_a_new_account_is_a_name_on_the_next_turn(tessera):
    message = "give me an overview of Quillfeather Biotech"
    unknown = tessera.chat(REP, "first", message)
    assert "among the accounts you can see" in unknown.reply  # read as a name guessed, and not found
    rep = tessera.actor(REP)
    with tessera.store.session() as s:
        model = s.scalars(select(Account).where(Account.unit_id == rep.unit_id)).first()
        s.add(Account(name="Quillfeather Biotech", tenant_id=model.tenant_id, unit_id=rep.unit_id,
                      owner_id=model.owner_id, industry=model.industry, region=model.region, city=model.city))
    known = tessera.chat(REP, "second", message)
    assert [c["args"].get("account") for c in known.tool_calls] == ["Quillfeather Biotech"]
    assert "Summary of Quillfeather Biotech" in known.reply


def test_a_user_disabled_between_two_turns_is_refused_on_the_second(tessera):
    assert tessera.chat(REP, "t", "show me the deals of Acme Robotics").reply
    with tessera.store.session() as s:
        s.scalars(select(User).where(User.login == REP)).one().disabled_at = FIXED_NOW
    with pytest.raises(AccessDenied, match="disabled"):
        tessera.chat(REP, "t", "show me the deals of Acme Robotics")


def test_a_user_moved_to_another_unit_reads_with_that_units_names_on_the_next_turn(tessera):
    message = "give me an overview of Horizon Electronics"
    assert "among the accounts you can see" in tessera.chat(REP, "t", message).reply
    with tessera.store.session() as s:
        s.scalars(select(User).where(User.login == REP)).one().unit_id = 6  # South Technology holds Horizon
    moved = tessera.chat(REP, "u", message)
    assert tessera.actor(REP).unit_id == 6
    assert [c["args"]["account"] for c in moved.tool_calls] == ["Horizon Electronics"]
    assert "among the accounts you can see" not in moved.reply
