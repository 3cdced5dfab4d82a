"""Plan, confirm, act in the channels: Slack shows the plan with Yes / Cancel buttons that only the asker may press,
WeCom's card says 确认 / 取消, and the web chat answers through POST /v1/chat/confirmations/{id} and offers Undo."""
from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from channels.http_api import create_app
from channels.identities import demo_slack_id
from channels.mount import default_resume
from channels.slack_app import create_slack_app, slack_router
from channels.slack_blocks import APPROVE
from channels.turn_view import ApprovalRequest
from channels.wecom.messages import approval_card
from crm.models import OPEN_STAGES, Deal, User
from tests.channel_support import module_tessera, slack_api  # noqa: F401  (fixtures)

SECRET = "test-signing-secret"
LI_WEI, EMMA_CHEN = demo_slack_id("li.wei"), demo_slack_id("emma.chen")


@pytest.fixture
def client(module_tessera, slack_api):
    bolt = create_slack_app(module_tessera, signing_secret=SECRET, resume_approval=default_resume(module_tessera),
                            client=WebClient(token="xoxb-test", base_url=slack_api.url))
    app = create_app(module_tessera)
    app.include_router(slack_router(bolt, SECRET))
    with TestClient(app) as c:
        yield c


def signed(body: str, content_type: str = "application/json") -> dict:
    timestamp = str(int(time.time()))
    return {"x-slack-request-timestamp": timestamp, "content-type": content_type,
            "x-slack-signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)}


def press(client, user: str, confirmation_id: str, n: int):
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "trigger_id": f"t{n}", "channel": {"id": "CDM"}, "container": {"type": "message"},
               "message": {"ts": "1800000000.000900", "thread_ts": "1800000000.000100", "blocks": []},
               "response_url": "http://127.0.0.1:9/unused",
               "actions": [{"type": "button", "action_id": APPROVE, "block_id": f"confirm:{confirmation_id}",
                            "value": confirmation_id, "action_ts": f"1800000000.{n}"}]}
    body = urlencode({"payload": json.dumps(payload)})
    return client.post("/slack/events", content=body, headers=signed(body, "application/x-www-form-urlencoded"))


def an_open_deal(tessera, login: str) -> Deal:
    with tessera.store.session() as s:
        owner = s.scalar(select(User).where(User.login == login))
        deal = s.scalars(select(Deal).where(Deal.owner_id == owner.id, Deal.stage.in_(OPEN_STAGES))
                         .order_by(Deal.id.desc())).first()
        s.expunge(deal)
        return deal


def stage(tessera, deal_id: int) -> str:
    with tessera.store.session() as s:
        return s.get(Deal, deal_id).stage


def test_slack_shows_the_plan_with_yes_and_cancel_and_only_the_asker_may_press_yes(client, slack_api,
                                                                                  module_tessera):
    deal = an_open_deal(module_tessera, "li.wei")
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvC1",
                       "event_time": 1800000000, "event": {
                           "type": "message", "channel_type": "im", "user": LI_WEI, "channel": "DCONF",
                           "text": f"set deal D-{deal.id} to lost", "ts": "1800000000.000100",
                           "event_ts": "1800000000.000100"}})
    assert client.post("/slack/events", content=body, headers=signed(body)).status_code == 200
    [message] = slack_api.wait_for("/chat.postMessage")
    [actions] = [b for b in message.body["blocks"] if b["type"] == "actions"]
    yes, cancel = actions["elements"]
    assert (yes["text"]["text"], cancel["text"]["text"]) == ("Yes, go ahead", "Cancel")
    confirmation_id = yes["value"]
    assert stage(module_tessera, deal.id) == deal.stage  # nothing yet

    press(client, EMMA_CHEN, confirmation_id, 1)  # a colleague in the same channel
    [note] = slack_api.wait_for("/chat.postEphemeral")
    assert note.body["user"] == EMMA_CHEN and "may not decide" in note.body["text"]
    assert stage(module_tessera, deal.id) == deal.stage

    press(client, LI_WEI, confirmation_id, 2)
    slack_api.wait_for("/chat.update")
    assert stage(module_tessera, deal.id) == "lost"
    [_, resumed] = slack_api.wait_for("/chat.postMessage", count=2)  # the resumed reply, before the fake closes
    assert f"D-{deal.id}" in resumed.body["text"]


def test_wecom_card_for_a_plan_says_confirm_or_cancel_and_carries_its_id():
    card = approval_card(ApprovalRequest("cf-1", "Confirm: revoke consent", "撤回同意：销售跟进", "cust.chen.jing",
                                         confirm=True))
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [("确认 Yes", "approve:cf-1"),
                                                                     ("取消 Cancel", "reject:cf-1")]


def test_the_web_chat_answers_plans_and_offers_undo_through_the_api():
    script = (Path(__file__).resolve().parents[1] / "channels" / "web" / "static" / "chat.js").read_text()
    assert '"/v1/chat/confirmations/"' in script and "data.confirmation" in script
    assert '"/v1/undo/"' in script and "data.undo_ids" in script
