"""A manager decides a rep's discount in their own chat: the rep, who asked on Slack or WeCom, hears how their request
ended where they asked it, and nobody else is told."""
from __future__ import annotations

import pytest
from slack_sdk import WebClient

from channels.identities import demo_slack_id, demo_wecom_id, seed_channels
from channels.slack_app import create_slack_app
from channels.wecom.callback import WeComSettings, wecom_router
from channels.wecom.client import WeComClient
from tests.autonomy_support import LATER
from tests.channel_support import FakeApi, slack_api  # noqa: F401  (fixture)
from tests.test_approvals_graph import escalating_deal

SLACK_THREAD = "slack:C42DEALS:1800000000.000100"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


@pytest.fixture
def wecom_api():
    api = FakeApi({"/cgi-bin/gettoken": lambda c: {"errcode": 0, "access_token": "t-1", "expires_in": 7200},
                   "/cgi-bin/message/send": lambda c: {"errcode": 0, "errmsg": "ok"}})
    yield api
    api.close()


@pytest.fixture
def channels(tessera, slack_api, wecom_api):
    """Slack and WeCom connected to a seeded Tessera, as `tessera serve` connects them."""
    with tessera.store.session() as s:
        seed_channels(s)
    create_slack_app(tessera, signing_secret="test-secret", client=WebClient(token="xoxb-t", base_url=slack_api.url))
    wecom = WeComSettings(corp_id="wwcorp", agent_id="1000002", secret="s", token="tok", encoding_aes_key=KEY)
    wecom_router(tessera, wecom, client=WeComClient("wwcorp", "s", 1000002, base_url=wecom_api.url + "cgi-bin/"))
    return tessera


def escalate(tessera, thread: str) -> tuple[str, str]:
    """李伟 asks in `thread` for 8% off a deal his unit's contract hands to zhao.lei; the turn pauses."""
    deal = escalating_deal(tessera.store)
    asked = tessera.chat("li.wei", thread, f"request an 8% discount on {deal}, delivery promised for {LATER}")
    assert asked.confirmation is not None, asked.reply
    paused = tessera.chat("li.wei", thread, "yes")
    assert paused.approval is not None and paused.approval["payload"]["approver"] == "zhao.lei", paused.reply
    return deal, paused.approval["id"]


def approve_in_chat(tessera) -> None:
    tessera.chat("zhao.lei", "desk", "anything waiting for my approval?")
    plan = tessera.chat("zhao.lei", "desk", "approve it")
    assert plan.confirmation is not None, plan.reply
    tessera.chat("zhao.lei", "desk", "yes")


def posted(api: FakeApi, path: str) -> list[dict]:
    return [c.body for c in api.calls if c.path == path]


def test_a_rep_who_asked_in_a_slack_thread_hears_the_decision_in_that_thread(channels, slack_api, wecom_api):
    deal, approval_id = escalate(channels, SLACK_THREAD)
    approve_in_chat(channels)
    assert channels.approvals.get(approval_id).status == "approved"
    [message] = posted(slack_api, "/chat.postMessage")
    assert message["channel"] == "C42DEALS" and message["thread_ts"] == "1800000000.000100"
    assert deal in message["text"]
    assert posted(wecom_api, "/cgi-bin/message/send") == []  # asked on Slack: WeCom stays silent


def test_a_rep_who_asked_by_slash_command_hears_it_in_a_direct_message(channels, slack_api):
    deal, _ = escalate(channels, "slack:C42DEALS:command")
    approve_in_chat(channels)
    [message] = posted(slack_api, "/chat.postMessage")
    assert message["channel"] == demo_slack_id("li.wei") and not message.get("thread_ts")
    assert deal in message["text"]


def test_a_rep_who_asked_on_wecom_hears_it_there_and_slack_stays_silent(channels, slack_api, wecom_api):
    deal, _ = escalate(channels, "wecom:1000002")
    approve_in_chat(channels)
    [message] = posted(wecom_api, "/cgi-bin/message/send")
    assert message["touser"] == demo_wecom_id("li.wei") and deal in message["text"]["content"]
    assert posted(slack_api, "/chat.postMessage") == []


def test_a_request_from_the_web_is_not_pushed_to_any_channel(channels, slack_api, wecom_api):
    escalate(channels, "web-discount")
    approve_in_chat(channels)
    assert posted(slack_api, "/chat.postMessage") == [] and posted(wecom_api, "/cgi-bin/message/send") == []
    state = channels.graph.get_state(channels.config(channels.actor("li.wei"), "web-discount"))
    assert not state.interrupts and state.values["messages"][-1].content  # the reply waits in the rep's thread


def test_a_channel_outage_does_not_undo_the_decision(channels, slack_api):
    slack_api.routes["/chat.postMessage"] = lambda c: {"ok": False, "error": "channel_not_found"}
    deal, approval_id = escalate(channels, SLACK_THREAD)
    approve_in_chat(channels)
    assert channels.approvals.get(approval_id).status == "approved"
