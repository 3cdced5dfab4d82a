"""A customer corrects one part of their name: the rest of the name, and everyone else's, stays as it was."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Contact
from crm.privacy.name_parts import part_named, with_part
from crm.privacy.models import FieldHistory


def names(tessera) -> dict[int, str]:
    with tessera.store.session() as s:
        return dict(s.execute(select(Contact.id, Contact.full_name)).all())


def test_a_misspelt_surname_is_corrected_and_the_first_name_kept(tessera):
    before = names(tessera)
    turn = tessera.chat("cust.sarah.miller", "t", "my surname is misspelled, it should be Millar")
    assert [c["name"] for c in turn.tool_calls] == ["correct_my_data"]
    after = names(tessera)
    sarah = next(i for i, n in before.items() if n == "Sarah Miller")
    assert after[sarah] == "Sarah Millar"
    assert {i: n for i, n in after.items() if i != sarah} == {i: n for i, n in before.items() if i != sarah}
    with tessera.store.session() as s:
        kept = s.scalars(select(FieldHistory).where(FieldHistory.contact_id == sarah)).all()[-1]
        assert (kept.old_value, kept.new_value) == ("Sarah Miller", "Sarah Millar")


def test_a_chinese_surname_is_corrected_in_front_and_the_given_name_kept(tessera):
    before = names(tessera)
    tessera.chat("cust.chen.jing", "t", "我的姓写错了，应该是程")
    after = names(tessera)
    chen = next(i for i, n in before.items() if n == "陈静")
    assert after[chen] == "程静"
    assert {i: n for i, n in after.items() if i != chen} == {i: n for i, n in before.items() if i != chen}


def test_which_part_the_words_name():
    assert part_named("my last name") == part_named("family name") == part_named("我的姓") == "surname"
    assert part_named("my first name") == "given"
    assert part_named("my name") is None and part_named("我的姓名") is None and part_named("my phone") is None
    assert with_part("Mark Taylor", "given", "Marc") == "Marc Taylor"
    assert with_part("Mary Ann Smith", "given", "Marie") == "Marie Ann Smith"  # a middle name stays
    assert with_part("欧阳娜娜", "surname", "司马") == "司马娜娜" and with_part("陈静", "given", "晶") == "陈晶"
