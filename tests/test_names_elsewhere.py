"""A rep names another unit's account whose name shares a part with one of theirs ("九州能源" beside their 九州电子,
"Jiuzhou Energy", "Acme Foods"): nothing is written on their own account; the tool hears the name as said and
answers that it is not among their accounts. Their own account, named whole, by its part or with a word that is no
name ("Acme Corp", "the Acme deal"), is still found."""
from __future__ import annotations

import pytest

from evals.state import business_fingerprint, written_tables
from llm.offline.lexicon import EntityName, Lexicon


@pytest.mark.parametrize("message, said", [
    ("log a call with 九州能源 about the renewal", "九州能源"),  # north's account; emma's unit has 九州电子
    ("log a call with Jiuzhou Energy about the renewal", "Jiuzhou Energy"),
    ("给九州能源记一条拜访记录，聊了续约", "九州能源"),
])
def test_another_units_account_sharing_a_part_of_ours_writes_nothing_on_ours(tessera, message, said):
    before = business_fingerprint(tessera.store)
    turn = tessera.chat("emma.chen", "t", message)
    assert "九州电子" not in turn.reply, turn.reply
    assert all(c["args"].get("account") != "九州电子" for c in turn.tool_calls), turn.tool_calls
    assert written_tables(before, business_fingerprint(tessera.store)) == []


def test_our_account_by_its_own_part_is_still_found_and_logged(tessera):
    turn = tessera.chat("emma.chen", "t", "log a call with 九州 about the renewal")  # 九州电子, by its part
    assert [(c["name"], c["args"]["account"]) for c in turn.tool_calls] == [("log_activity", "九州电子")], turn.reply


def _lexicon() -> Lexicon:
    return Lexicon({"account": [EntityName("九州电子", ("jiuzhou dianzi",)), EntityName("Acme Robotics")]},
                   elsewhere={"account": ["九州能源", "jiuzhou nengyuan", "Acme Foods"]})


@pytest.mark.parametrize("text, found", [
    ("九州能源的商机", []), ("九州的商机", ["九州电子"]), ("九州电子的商机", ["九州电子"]),
    ("Jiuzhou Energy deals", []), ("Jiuzhou Nengyuan deals", []), ("Jiuzhou deals", ["九州电子"]),
    ("deals of Acme Foods", []), ("the Acme Corp deal", ["Acme Robotics"]), ("the Acme Renewal", ["Acme Robotics"]),
    ("Acme Robotics", ["Acme Robotics"]), ("call Acme Monday", ["Acme Robotics"]),
])
def test_a_part_of_our_name_inside_a_longer_name_is_no_mention_of_ours(text, found):
    assert [m.canonical for m in _lexicon().match("account", text)] == found


@pytest.mark.parametrize("message, account, subject", [
    ("log a call with Acme about the renewal", "Acme Robotics", "renewal"),
    ("log a visit to 北辰医疗器械 regarding pricing", "北辰医疗器械", "pricing"),
])
def test_what_follows_about_is_the_subject_however_short_and_only_that_activity_is_written(tessera, message, account,
                                                                                           subject):
    before = business_fingerprint(tessera.store)
    turn = tessera.chat("li.wei", "t", message)
    assert [(c["name"], c["args"]["account"], c["args"]["subject"]) for c in turn.tool_calls] == [
        ("log_activity", account, subject)], turn.reply
    assert written_tables(before, business_fingerprint(tessera.store)) == ["activities"]


def test_about_it_is_no_subject_so_the_subject_is_asked_for_and_nothing_written(tessera):
    before = business_fingerprint(tessera.store)
    turn = tessera.chat("li.wei", "t", "log a call with Acme about it")
    assert turn.tool_calls == [] and "subject" in turn.reply
    assert written_tables(before, business_fingerprint(tessera.store)) == []
