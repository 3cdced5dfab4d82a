"""The "Written:" line under a reply shows values as a user reads them: money with thousands separators, a margin as %."""
from agents.written import written_note

CHANGED_AMOUNT = [{"record": "D-2017", "field": "amount", "old": "330048.00", "new": "173145.00"},
                  {"record": "D-2017", "field": "margin", "old": "0.3350", "new": "0.3208"}]


def test_an_amount_change_is_shown_with_thousands_separators_and_the_margin_as_a_percentage():
    note = written_note(CHANGED_AMOUNT, [7], "en")
    assert note == "Written: D-2017 amount: 330,048 → 173,145; D-2017 margin: 33.5% → 32.1%. Say 'undo' to take it back."


def test_in_chinese_the_fields_are_named_in_chinese_and_the_values_formatted_the_same_way():
    note = written_note(CHANGED_AMOUNT, [7], "zh")
    assert note == "已写入：D-2017 金额: 330,048 → 173,145；D-2017 毛利率: 33.5% → 32.1%。回复“撤销”可以撤回。"


def test_cents_are_kept_when_there_are_some_and_other_fields_stay_as_they_were():
    note = written_note([{"record": "P-3", "field": "price", "old": "1044.50", "new": "999"},
                         {"record": "D-9", "field": "expected_close", "old": "2026-12-01", "new": "2027-01-15"},
                         {"record": "A-3001", "field": "(created)", "old": None, "new": "Call about 2026 budget 0.5"}],
                        [], "en")
    assert note == ("Written: P-3 price: 1,044.50 → 999; D-9 expected_close: 2026-12-01 → 2027-01-15; "
                    "A-3001 (created): — → Call about 2026 budget 0.5. This cannot be undone.")
