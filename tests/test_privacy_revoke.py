"""A customer revokes a consent; on the rep's next turn the sales tools withhold the data and say why."""
from __future__ import annotations

from tests.privacy_support import call, privacy_dir, ptessera  # noqa: F401


def test_after_chen_jing_revokes_sales_follow_up_li_wei_sees_her_phone_withheld_and_why(ptessera):
    before = call(ptessera, "li.wei", "find_contacts", account="北辰医疗器械")
    chen = next(i for i in before["items"] if i["name"] == "陈静")
    assert chen["phone"].startswith("+86") and "withheld" not in before

    asked = ptessera.chat("cust.chen.jing", "privacy", "I withdraw my consent for sales follow-up")
    assert [c["name"] for c in asked.tool_calls] == ["revoke_consent"], asked.reply
    assert asked.confirmation["tool"] == "revoke_consent" and "Reply 'yes'" in asked.reply  # the plan, nothing yet
    assert call(ptessera, "li.wei", "find_contacts", account="北辰医疗器械") == before
    ptessera.chat("cust.chen.jing", "privacy", "yes")

    turn = ptessera.chat("li.wei", "deals", "北辰医疗器械的联系人是谁")
    assert [c["name"] for c in turn.tool_calls] == ["find_contacts"]
    assert "phone withheld: 陈静 revoked 'sales follow-up'" in turn.reply
    assert "2026-11-26" in turn.reply
    assert chen["phone"] not in turn.reply and chen["email"] not in turn.reply
    other = next(i for i in before["items"] if i["name"] != "陈静")
    assert other["phone"] in turn.reply  # colleagues who did not revoke are unaffected


def test_revoking_marketing_takes_marketing_follow_up_off_the_proposals(ptessera):
    def proposals():
        result = call(ptessera, "li.wei", "find_contacts", account="北辰医疗器械")
        return next(i for i in result["items"] if i["name"] == "陈静"), result

    chen, _ = proposals()
    assert "send marketing emails and event invitations" in chen["follow_up"]
    assert call(ptessera, "cust.chen.jing", "revoke_consent", what="marketing emails")["ok"]
    chen, result = proposals()
    assert "send marketing emails and event invitations" not in chen["follow_up"]
    assert chen["phone"].startswith("+86")  # sales follow-up is still granted
    assert any("no send marketing emails" in r and "陈静 revoked 'marketing messages'" in r
               for r in result["do_not_propose"])


def test_a_rep_account_summary_names_contacts_only_as_the_contract_basis_allows(ptessera):
    summary = call(ptessera, "li.wei", "account_summary", account="北辰医疗器械")
    assert any(c.startswith("陈静") for c in summary["record"]["contacts"])
