"""What a model-written draft may claim: only what the grounded facts hold, whatever form the claim takes."""
from __future__ import annotations

from crm.briefing.claims import unsupported_claims

FACTS = ("Mark Taylor D-12 CRM Suite renewal (proposal) 1,200,000.00 2026-12-15 "
         "A-7 2026-11-20 call: pricing follow-up")
CATALOGUE = ["CRM Suite", "Edge Gateway", "边缘网关"]


def test_what_the_facts_hold_passes_in_any_form():
    assert unsupported_claims("Thanks for our call on 20 November about D-12; the total stays ¥1,200,000, "
                              "and we aim to close by 15 December 2026. Shall we talk for 20 minutes?",
                              FACTS, CATALOGUE) == []
    assert unsupported_claims("感谢您11月20日与我们通话，CRM Suite方案总价120万元。", FACTS, CATALOGUE) == []


def test_each_invented_claim_is_named():
    claims = unsupported_claims("We offer 10% off, $950,000 instead, until 2027-01-31, on the Edge Gateway "
                                "too (D-99), guaranteed.", FACTS, CATALOGUE)
    assert claims == ["record D-99", "'10%' (a rate or discount)", "'$950,000' (an amount)",
                      "'2027-01-31' (a date)", "Edge Gateway (a product the facts do not name)",
                      "'guarantee' (a promise)"]


def test_chinese_discounts_and_promises_are_claims():
    claims = unsupported_claims("可以给您打八折，并承诺免费上门安装。", FACTS, CATALOGUE)
    assert "'八折' (a rate or discount)" in claims and "'承诺' (a promise)" in claims and "'免费' (a promise)" in claims
