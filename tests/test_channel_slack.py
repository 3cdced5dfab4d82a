"""Slack end to end offline: signed requests into the FastAPI app, Web API calls captured by a local fake Slack."""
from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from channels.http_api import create_app
from channels.identities import demo_slack_id
from channels.slack_app import create_slack_app, slack_router
from channels.slack_blocks import APPROVE, REJECT, approval_blocks
from channels.turn_view import ApprovalRequest
from tests.channel_support import FakeApi, module_tessera  # noqa: F401  (fixture)

SECRET = "test-signing-secret"
LI_WEI, WANG_FANG, ZHAO_LEI = demo_slack_id("li.wei"), demo_slack_id("wang.fang"), demo_slack_id("zhao.lei")


@pytest.fixture
def slack_api():
    api = FakeApi({"/auth.test": lambda c: {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"},
                   "/chat.postMessage": lambda c: {"ok": True, "ts": "1800000000.000900", "channel": c.body["channel"]},
                   "/files.getUploadURLExternal": lambda c: {"ok": True, "file_id": "F1",
                                                             "upload_url": api.url + "upload/F1"},
                   "/files.completeUploadExternal": lambda c: {"ok": True, "files": [{"id": "F1"}]}})
    yield api
    api.close()


@pytest.fixture
def approvals():
    decided = []

    def resume_approval(approval_id: str, approved: bool, approver_login: str) -> str:
        if approver_login != "zhao.lei":
            raise PermissionError(f"{approver_login} may not approve discounts; ask a manager")
        decided.append((approval_id, approved, approver_login))
        return "Discount of 12% on D-7 applied." if approved else "Discount request withdrawn."

    resume_approval.decided = decided
    return resume_approval


@pytest.fixture
def client(module_tessera, slack_api, approvals):
    tessera = module_tessera
    bolt = create_slack_app(tessera, signing_secret=SECRET, resume_approval=approvals,
                            client=WebClient(token="xoxb-test", base_url=slack_api.url))
    app = create_app(tessera)
    app.include_router(slack_router(bolt, SECRET))
    with TestClient(app) as c:
        yield c


def signed(body: str, *, secret: str = SECRET, at: float | None = None, content_type="application/json", **extra):
    timestamp = str(int(at if at is not None else time.time()))
    return {"x-slack-request-timestamp": timestamp, "content-type": content_type,
            "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body), **extra}


def event(event_id: str, user: str, text: str, *, kind="app_mention", ts="1800000000.000100", channel=None,
          **more) -> str:
    """An Events API callback; each event gets its own channel unless told, so conversations do not mix."""
    return json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id,
                       "event_time": 1800000000, "event": {"type": kind, "user": user, "text": text, "ts": ts,
                                                           "channel": channel or f"C{event_id}", "event_ts": ts, **more}})


def post_event(client, body: str, **headers):
    return client.post("/slack/events", content=body, headers=signed(body, **headers))


def test_a_mention_is_answered_in_its_thread_with_a_table_of_deals(client, slack_api):
    r = post_event(client, event("Ev1", LI_WEI, "<@UBOT> show me the deals of Acme Robotics"))
    assert r.status_code == 200
    [post] = slack_api.wait_for("/chat.postMessage")
    assert post.body["channel"] == "CEv1" and post.body["thread_ts"] == "1800000000.000100"
    blocks = post.body["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "find deals · Acme Robotics"}}
    assert "*D-" in blocks[1]["text"]["text"]
    assert post.headers["Authorization"] == "Bearer xoxb-test"


def test_a_direct_message_gets_an_account_summary_card(client, slack_api):
    post_event(client, event("Ev2", LI_WEI, "give me an overview of Acme Robotics", kind="message", channel_type="im"))
    [post] = slack_api.wait_for("/chat.postMessage")
    blocks = post.body["blocks"]
    assert blocks[0]["text"]["text"] == "Acme Robotics"
    fields = [f["text"] for b in blocks if "fields" in b for f in b["fields"]]
    assert "*owner*\n李伟" in fields and any(f.startswith("*open pipeline*") for f in fields)


def test_a_rep_asking_about_another_units_account_sees_nothing_of_it(client, slack_api):
    post_event(client, event("Ev3", WANG_FANG, "<@UBOT> give me an overview of Acme Robotics"))
    [post] = slack_api.wait_for("/chat.postMessage")
    assert "no account matching 'Acme Robotics' among the accounts you can see" in post.body["text"]
    assert "1,165,008" not in json.dumps(post.body["blocks"])  # Acme's open pipeline, seen by li.wei


def test_a_retried_event_is_answered_once(client, slack_api):
    body = event("Ev4", LI_WEI, "<@UBOT> show me the deals of Acme Robotics")
    assert post_event(client, body, at=time.time() - 60).status_code == 200
    assert post_event(client, body, **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}).status_code == 200
    post_event(client, event("Ev5", LI_WEI, "<@UBOT> hello", ts="1800000000.000200", channel="CEv4"))
    posts = slack_api.wait_for("/chat.postMessage", count=2)
    assert sorted(p.body["thread_ts"] for p in posts) == ["1800000000.000100", "1800000000.000200"]


def test_an_unknown_slack_user_gets_a_clear_refusal(client, slack_api):
    post_event(client, event("Ev6", "USTRANGER", "<@UBOT> show me all deals"))
    [post] = slack_api.wait_for("/chat.postMessage")
    assert "'USTRANGER' is not linked to a Tessera user" in post.body["text"]
    assert "tessera identities link slack USTRANGER" in post.body["text"]


@pytest.mark.parametrize("headers, reason", [
    ({"secret": "not-the-secret"}, "bad signature"),
    ({"at": time.time() - 600}, "stale request"),
])
def test_forged_and_stale_requests_are_refused_and_logged(client, slack_api, caplog, headers, reason):
    body = event("Ev7", LI_WEI, "<@UBOT> show me the deals of Acme Robotics")
    with caplog.at_level(logging.WARNING, logger="tessera.channels.slack"):
        r = post_event(client, body, **headers)
    assert r.status_code == 401 and reason in r.text
    assert any(reason in m for m in caplog.messages)
    assert slack_api.calls_to("/chat.postMessage") == []


def test_an_unsigned_request_and_a_replayed_one_are_refused(client, slack_api, caplog):
    body = event("Ev8", LI_WEI, "<@UBOT> hello")
    assert client.post("/slack/events", content=body).status_code == 401
    headers = signed(body)
    assert client.post("/slack/events", content=body, headers=headers).status_code == 200
    with caplog.at_level(logging.WARNING, logger="tessera.channels.slack"):
        again = client.post("/slack/events", content=body, headers=headers)
    assert again.status_code == 401 and "replayed" in again.text
    assert any("replayed" in m for m in caplog.messages)


def test_the_slash_command_acknowledges_at_once_then_answers_through_the_response_url(client, slack_api):
    body = urlencode({"command": "/tessera", "text": "show me the deals of Acme Robotics", "user_id": LI_WEI,
                      "channel_id": "C1", "team_id": "T1", "trigger_id": "t1",
                      "response_url": slack_api.url + "hooks/cmd1"})
    r = client.post("/slack/events", content=body,
                    headers=signed(body, content_type="application/x-www-form-urlencoded"))
    assert r.status_code == 200 and r.json()["text"] == "Working on it…"
    [answer] = slack_api.wait_for("/hooks/cmd1")
    assert answer.body["response_type"] == "ephemeral"
    assert answer.body["blocks"][0]["text"]["text"] == "find deals · Acme Robotics"


def press(client, user: str, action_id: str, approval_id: str = "AP-1"):
    message = {"ts": "1800000000.000500", "thread_ts": "1800000000.000100",
               "blocks": approval_blocks(ApprovalRequest(approval_id, "Discount approval", "12% off D-7 for Acme"))}
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "trigger_id": "t2", "channel": {"id": "C1"}, "message": message, "container": {"type": "message"},
               "response_url": "http://127.0.0.1:9/unused",
               "actions": [{"type": "button", "action_id": action_id, "block_id": f"approval:{approval_id}",
                            "value": approval_id, "action_ts": "1800000000.1"}]}
    body = urlencode({"payload": json.dumps(payload)})
    return client.post("/slack/events", content=body,
                       headers=signed(body, content_type="application/x-www-form-urlencoded"))


def test_approval_buttons_carry_the_approval_id_and_approve_asks_for_confirmation():
    [_, _, actions] = approval_blocks(ApprovalRequest("AP-9", "Discount approval", "12% off", "li.wei"))
    approve, reject = actions["elements"]
    assert (approve["action_id"], approve["value"], reject["action_id"], reject["value"]) == (APPROVE, "AP-9", REJECT, "AP-9")
    assert approve["confirm"]["confirm"]["text"] == "Approve"


def test_pressing_approve_resumes_the_paused_conversation(client, slack_api, approvals):
    assert press(client, ZHAO_LEI, APPROVE).status_code == 200
    [update] = slack_api.wait_for("/chat.update")
    [reply] = slack_api.wait_for("/chat.postMessage")
    assert approvals.decided == [("AP-1", True, "zhao.lei")]
    assert update.body["ts"] == "1800000000.000500" and "Approved by zhao.lei" in update.body["text"].replace("approved", "Approved")
    assert "actions" not in update.body["blocks"]  # the buttons are gone
    assert reply.body["thread_ts"] == "1800000000.000100" and reply.body["text"] == "Discount of 12% on D-7 applied."


def test_a_rep_pressing_approve_is_told_why_not_and_nothing_resumes(client, slack_api, approvals):
    press(client, LI_WEI, APPROVE, "AP-2")
    [note] = slack_api.wait_for("/chat.postEphemeral")
    assert note.body["user"] == LI_WEI and "ask a manager" in note.body["text"]
    assert approvals.decided == [] and slack_api.calls_to("/chat.update") == []


def test_a_decision_is_taken_once_even_when_pressed_twice(client, slack_api, approvals):
    press(client, ZHAO_LEI, REJECT, "AP-3")
    slack_api.wait_for("/chat.update")
    press(client, ZHAO_LEI, APPROVE, "AP-3")
    [note] = slack_api.wait_for("/chat.postEphemeral")
    assert "already decided" in note.body["text"]
    assert approvals.decided == [("AP-3", False, "zhao.lei")]


def test_a_turn_paused_for_approval_is_rendered_with_buttons_for_the_runtimes_approval_id():
    from channels.slack_blocks import turn_blocks
    from channels.turn_view import TurnView, approval_of
    from tessera.runtime import TurnResult

    paused = TurnResult(turn_id="t1", thread_id="li.wei:slack:C1:1.0", agent="sales",
                        reply="This needs a decision from zhao.lei (approval ap-7).",
                        approval={"id": "ap-7", "payload": {"type": "contract_escalation", "approver": "zhao.lei",
                                                            "kind": "discount", "rule": "discount.auto_approve_max_percent",
                                                            "request": {"deal": "D-2056", "percent": 8},
                                                            "reasons": ["8% is above the unit's limit 6%"]}})
    approval = approval_of(paused)
    assert (approval.approval_id, approval.requested_by, approval.summary) == (
        "ap-7", "li.wei", "8% is above the unit's limit 6%")
    blocks = turn_blocks(TurnView(turn_id="t1", agent="sales", reply=paused.reply, approval=approval))
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == ["ap-7", "ap-7"]
    assert "*deal*: D-2056" in json.dumps(blocks, ensure_ascii=False).replace("\\n", "\n")


def test_the_default_resume_calls_the_runtimes_decide_with_its_argument_order():
    from channels.mount import default_resume

    class Runtime:
        def decide(self, approval_id, approver_login, approved, note=""):
            return (approval_id, approver_login, approved)

    assert default_resume(Runtime())("ap-7", True, "zhao.lei") == ("ap-7", "zhao.lei", True)


def test_a_managers_ranking_comes_with_its_chart_attached_as_a_png(client, slack_api):
    r = post_event(client, event("EvChart", ZHAO_LEI, "<@UBOT> won value by unit this year"))
    assert r.status_code == 200
    [post] = slack_api.wait_for("/chat.postMessage")
    assert "had the highest won value" in post.body["text"] or "赢单金额最高" in post.body["text"]
    [asked] = slack_api.wait_for("/files.getUploadURLExternal")
    assert asked.body["filename"] == "chart.png"
    [upload] = slack_api.wait_for("/upload/F1")
    assert upload.body["bytes"].startswith(b"\x89PNG") or b"\x89PNG" in upload.body["bytes"][:400]
    [done] = slack_api.wait_for("/files.completeUploadExternal")
    assert done.body["channel_id"] == "CEvChart" and done.body["thread_ts"] == "1800000000.000100"
    assert json.loads(done.body["files"])[0]["id"] == "F1"


def test_a_reply_without_a_chart_uploads_nothing(client, slack_api):
    post_event(client, event("EvNoChart", LI_WEI, "<@UBOT> show me the deals of Acme Robotics"))
    slack_api.wait_for("/chat.postMessage")
    assert not slack_api.calls_to("/files.getUploadURLExternal")
