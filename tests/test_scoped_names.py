"""What the offline model recognises, links and offers is limited to what the asking user may see: a rep of one unit
is never shown, in a reply, a numbered question or a trace, the name of another unit's account, contact or deal, and
a name held only by another unit reads exactly as a name nobody holds."""
from __future__ import annotations

import json

from sqlalchemy import select

from crm.actor import Actor
from crm.autonomy.sharing import share_account
from crm.models import Account, Activity, Contact, Deal
from crm.services.lookup import visible_names
from evals.state import business_fingerprint
from llm import offline_policy
from tessera.lexicon import ScopedLexicons
from tessera.runtime import Tessera
from tessera.settings import AgentModels
from tests.conftest import FIXED_NOW, settings_for
from tests.scripted_model import ScriptedModel, install

REP_EAST = "li.wei"  # a rep of East Enterprise (unit 1)
REP_SOUTH_TECH = "deng.chao"  # a rep of South Technology (unit 6)
MANAGER = "zhao.lei"  # sees every unit


def others_records(tessera, login: str, like: str) -> set[str]:
    """The names and deal ids of records matching `like` that `login` may not see."""
    actor = tessera.actor(login)
    with tessera.store.session() as s:
        accounts = s.scalars(select(Account).where(Account.name.like(like), Account.unit_id != actor.unit_id)).all()
        ids = [a.id for a in accounts]
        deals = s.scalars(select(Deal.id).where(Deal.account_id.in_(ids))).all()
        people = s.scalars(select(Contact.full_name).where(Contact.account_id.in_(ids))).all()
    assert accounts, f"the seed has no other unit's account like {like!r}"
    return {a.name for a in accounts} | {f"D-{i}" for i in deals} | set(people)


def everything_shown(tessera, turn) -> str:
    """The reply, the tool calls and the whole stored trace of a turn, as one text."""
    trace = tessera.traces.get(turn.turn_id)
    return " ".join([turn.reply, json.dumps(turn.tool_calls, ensure_ascii=False), trace.reply,
                     json.dumps(trace.steps, ensure_ascii=False, default=str)])


def activities(tessera) -> list[tuple]:
    with tessera.store.session() as s:
        return [(a.id, a.account_id, a.contact_id, a.kind, a.subject)
                for a in s.scalars(select(Activity).order_by(Activity.id))]


def test_a_rep_naming_part_of_other_units_accounts_sees_none_of_them(tessera):
    hidden = others_records(tessera, REP_EAST, "Horizon%")  # Horizon Electronics, Precision and Capital
    for message in ("give me an overview of Horizon", "Horizon 的商机", "who are the contacts at Horizon"):
        turn = tessera.chat(REP_EAST, "iso", message)
        shown = everything_shown(tessera, turn)
        assert not [name for name in hidden if name in shown], (message, turn.reply)


def test_an_account_of_another_unit_reads_as_an_account_nobody_has(tessera):
    hidden = tessera.chat(REP_EAST, "a", "give me an overview of Horizon Electronics")
    invented = tessera.chat(REP_EAST, "b", "give me an overview of Horizon Elektronix")
    assert "Horizon Electronics" in hidden.reply and "among the accounts you can see" in hidden.reply
    assert hidden.reply.replace("Horizon Electronics", "X") == invented.reply.replace("Horizon Elektronix", "X")
    assert [c["name"] for c in hidden.tool_calls] == [c["name"] for c in invented.tool_calls]


def test_a_contact_known_in_two_units_is_the_one_in_the_reps_own_without_asking(tessera):
    before = business_fingerprint(tessera.store)
    earlier = activities(tessera)
    turn = tessera.chat(REP_EAST, "call", "Just got off the phone with Mark Taylor, note it")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"]
    assert turn.tool_calls[0]["args"]["account"] == "Acme Robotics"
    assert "Horizon Electronics" not in everything_shown(tessera, turn)  # Mark Taylor's other employer, unit 6
    now = activities(tessera)
    assert now[:len(earlier)] == earlier and len(now) == len(earlier) + 1  # one new note, the others untouched
    with tessera.store.session() as s:
        assert s.get(Account, now[-1][1]).name == "Acme Robotics"
    after = business_fingerprint(tessera.store)
    assert {t for t in before if before[t] != after[t]} == {"activities"}

    other = tessera.chat(REP_SOUTH_TECH, "call", "Just got off the phone with Mark Taylor, note it")
    assert other.tool_calls[0]["args"]["account"] == "Horizon Electronics"
    assert "Acme Robotics" not in everything_shown(tessera, other)


def test_a_contact_at_two_of_the_reps_accounts_is_asked_about_by_number_naming_each_account(tessera):
    before = business_fingerprint(tessera.store)
    turn = tessera.chat(REP_EAST, "call", "记录一下今天和谢子涵通了电话")  # also at 中科化工, in unit 3
    assert turn.tool_calls == []
    assert "(1) Litware Motors" in turn.reply and "(2) Northwind Robotics" in turn.reply
    assert "中科化工" not in everything_shown(tessera, turn)
    assert business_fingerprint(tessera.store) == before  # a question writes nothing

    answered = tessera.chat(REP_EAST, "call", "第二个")
    assert answered.tool_calls[0]["args"]["account"] == "Northwind Robotics"


def test_a_manager_sees_every_unit_so_the_same_name_is_ambiguous_for_them(tessera):
    before = business_fingerprint(tessera.store)
    turn = tessera.chat(MANAGER, "call", "Just got off the phone with Mark Taylor, note it")
    assert "(1) Acme Robotics" in turn.reply and "(2) Horizon Electronics" in turn.reply
    assert business_fingerprint(tessera.store) == before


def test_the_model_without_a_users_names_knows_no_record_names(tessera):
    policy = offline_policy()  # as the runtime registered it: a turn brings its user's names
    assert not policy.lexicon.entries.get("account") and not policy.lexicon.entries.get("contact")
    assert policy.lexicon.entries.get("product")  # products and colleagues belong to no unit


def test_the_names_a_rep_sees_are_their_units_and_then_an_account_shared_with_it(tessera):
    rep = tessera.actor(REP_EAST)
    with tessera.store.session() as s:
        names = visible_names(s, rep)
        own = set(s.scalars(select(Account.name).where(Account.unit_id == rep.unit_id)))
    assert set(names.accounts) == own
    assert names.contact_accounts["Mark Taylor"] == ("Acme Robotics",)
    assert all(account in own for account in names.open_deals)

    lexicons = ScopedLexicons(tessera.store)
    assert "Horizon Electronics" not in {e.canonical for e in lexicons.for_actor(rep).entries["account"]}
    owner = Actor(user_id=0, login="deng.chao", role="rep", unit_id=6)
    with tessera.store.session() as s:
        share_account(s, owner, account="Horizon Electronics", unit="east-enterprise", reason="joint bid",
                      now=FIXED_NOW)
    shared = lexicons.for_actor(rep)  # the commit dropped the cached view
    assert "Horizon Electronics" in {e.canonical for e in shared.entries["account"]}
    assert set(shared.relations.contact_accounts["Mark Taylor"]) == {"Acme Robotics", "Horizon Electronics"}


def test_the_offline_model_answering_through_litellm_as_a_fallback_reads_with_the_users_names(data_dir):
    scripted = ScriptedModel()
    install(scripted)
    scripted.enqueue({"fail": True}, {"fail": True})
    models = AgentModels(sales="scripted/down", fallbacks=["tessera/offline"])
    app = Tessera(settings_for(data_dir, models=models), clock=lambda: FIXED_NOW, seed=False)
    try:
        turn = app.chat(REP_EAST, "fallback", "Just got off the phone with Mark Taylor, note it")
        assert scripted.history, "the primary model was tried first"
        assert [c["name"] for c in turn.tool_calls] == ["log_activity"]
        assert turn.tool_calls[0]["args"]["account"] == "Acme Robotics"
    finally:
        app.close()


def test_a_rep_typing_another_units_deal_id_is_told_it_is_not_among_theirs_and_nothing_changes(tessera):
    rep = tessera.actor(REP_EAST)
    with tessera.store.session() as s:
        deal = s.scalars(select(Deal).where(Deal.unit_id != rep.unit_id, Deal.stage == "negotiation")).first()
        deal_id, account = deal.id, deal.account.name
    before = business_fingerprint(tessera.store)
    turn = tessera.chat(REP_EAST, "move", f"把D-{deal_id}改成赢单")
    assert [c["args"]["deal"] for c in turn.tool_calls] == [f"D-{deal_id}"]  # the id as typed, not a question
    assert f"在您能查看的商机中没有找到“D-{deal_id}”" in turn.reply  # a Chinese request is refused in Chinese
    assert account not in everything_shown(tessera, turn)
    assert business_fingerprint(tessera.store) == before


def test_another_units_deal_id_beside_a_new_amount_is_still_the_deal_not_a_number(tessera):
    rep = tessera.actor(REP_EAST)
    with tessera.store.session() as s:
        deal = s.scalars(select(Deal).where(Deal.unit_id != rep.unit_id, Deal.stage == "proposal")).first()
        deal_id, account, amount = deal.id, deal.account.name, deal.amount
    before = business_fingerprint(tessera.store)
    turn = tessera.chat(REP_EAST, "amount", f"update the amount of D-{deal_id} to 1")
    assert [(c["name"], c["args"]) for c in turn.tool_calls] == [("update_deal", {"deal": f"D-{deal_id}", "amount": 1})]
    assert f"no deal D-{deal_id} among the deals you can see" in turn.reply  # not "which deal?"
    assert account not in everything_shown(tessera, turn)
    assert business_fingerprint(tessera.store) == before
    with tessera.store.session() as s:
        assert s.get(Deal, deal_id).amount == amount
