"""The offline model's gazetteers: which CRM names a message mentions, in English and Chinese."""
from __future__ import annotations

from llm.offline.lexicon import EntityName, Lexicon

LEXICON = Lexicon({
    "account": [EntityName("Acme Robotics"), EntityName("Acme Foods"), EntityName("北辰医疗器械"),
                EntityName("Globex Logistics", ("Globex Logistics Ltd", "环球物流")), EntityName("上海星河科技有限公司"),
                EntityName("Helix Retail"), EntityName("Summit Retail"), EntityName("Trey Retail"),
                EntityName("Initech Retail")],
    "contact": [EntityName("Peter Gibbons"), EntityName("周婷")],
})


def mentions(text: str, kind: str = "account") -> list[tuple[str, tuple[str, ...], bool]]:
    return [(m.text, m.candidates, m.exact) for m in LEXICON.match(kind, text)]


def test_a_whole_name_matches_case_insensitively_on_word_edges():
    assert mentions("deals for ACME robotics please") == [("ACME robotics", ("Acme Robotics",), True)]
    assert mentions("globex logisticsx") == [("globex", ("Globex Logistics",), False)]  # not glued to a word


def test_the_longest_mention_wins_and_an_alias_names_its_record():
    assert mentions("Globex Logistics Ltd and 环球物流") == [
        ("Globex Logistics Ltd", ("Globex Logistics",), True), ("环球物流", ("Globex Logistics",), True)]


def test_a_word_of_a_name_is_a_mention_when_it_points_at_one_record():
    assert mentions("how is globex doing") == [("globex", ("Globex Logistics",), False)]


def test_a_word_shared_by_two_names_is_an_ambiguous_mention():
    [(text, candidates, exact)] = mentions("show me the acme deals")
    assert (text, candidates, exact) == ("acme", ("Acme Foods", "Acme Robotics"), False)


def test_a_word_shared_by_many_names_is_a_common_word_not_a_mention():
    assert mentions("show me my retail accounts") == []


def test_a_leading_part_of_a_chinese_name_is_a_mention_also_after_a_city_prefix():
    assert mentions("北辰上季度的商机") == [("北辰", ("北辰医疗器械",), False)]
    assert mentions("星河的联系人") == [("星河", ("上海星河科技有限公司",), False)]
    assert mentions("上海的客户") == []  # a city alone names no one


def test_names_of_each_kind_are_matched_separately():
    text = "Sent Peter Gibbons at Initech Retail an email; 周婷 was copied"
    assert [m.canonical for m in LEXICON.match("contact", text)] == ["Peter Gibbons", "周婷"]
    assert [m.canonical for m in LEXICON.match("account", text)] == ["Initech Retail"]


def test_an_empty_lexicon_or_an_unknown_kind_matches_nothing():
    assert Lexicon().match("account", "Acme Robotics") == []
    assert LEXICON.match("product", "Acme Robotics") == []


def test_a_sales_unit_is_named_only_by_its_whole_name_or_an_alias():
    units = Lexicon({"unit": [EntityName("north-industry", ("north industry", "North Industry", "华北工业部", "华北工业"))]})
    assert [m.candidates for m in units.match("unit", "North Industry's win rate")] == [("north-industry",)]
    assert [m.candidates for m in units.match("unit", "华北工业部今年的赢单率")] == [("north-industry",)]
    assert units.match("unit", "Which industry brought the most revenue?") == []  # a word of the name is no mention
    assert units.match("unit", "华北的赢单率") == []


def test_a_name_typed_with_other_white_space_between_its_words_is_the_same_name():
    for typed in ("Acme  Robotics", "Acme\tRobotics", "Acme\nRobotics", "Acme\u3000Robotics", "Acme \u00a0Robotics"):
        assert mentions(f"deals for {typed} please") == [(typed, ("Acme Robotics",), True)], repr(typed)
    assert mentions("Peter  Gibbons called; so did 周婷", "contact") == [
        ("Peter  Gibbons", ("Peter Gibbons",), True), ("周婷", ("周婷",), True)]


def test_a_first_name_followed_by_another_surname_is_someone_else_not_the_contact_in_scope():
    assert mentions("call Peter Smith about the renewal", "contact") == []  # not Peter Gibbons
    assert mentions("call Peter about the renewal", "contact") == [("Peter", ("Peter Gibbons",), False)]
    assert mentions("call Peter Monday about the renewal", "contact") == [("Peter", ("Peter Gibbons",), False)]
    assert mentions("call Peter Gibbons Monday", "contact") == [("Peter Gibbons", ("Peter Gibbons",), True)]
