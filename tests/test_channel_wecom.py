"""WeCom end to end offline: WeCom's published sample vectors, then encrypted callbacks into the app and active
sends captured by a local fake of the message API."""
from __future__ import annotations

import base64
import logging
import time

import pytest
from fastapi.testclient import TestClient

from channels.http_api import create_app
from channels.identities import demo_wecom_id
from channels.turn_view import ApprovalRequest
from channels.wecom.callback import WeComSettings, wecom_router
from channels.wecom.client import WeComClient
from channels.wecom.crypto import DecryptError, SignatureError, WeComCrypto
from channels.wecom.messages import MARKDOWN_LIMIT, approval_card, clipped, parse_xml
from tests.channel_support import FakeApi, module_tessera  # noqa: F401  (fixture)

# WeCom's published samples (the WXBizMsgCrypt sample programs and the callback documentation).
SAMPLES = [
    pytest.param(dict(token="hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", key="6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
                      corp="ww1436e0e65a779aee",
                      verify=("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
                              "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="),
                      echo="1288432023552776189",
                      message=("0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
                               "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTk"
                               "AgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJ"
                               "PQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7M"
                               "hmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAy"
                               "h+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"),
                      content="你好", sender="ChenJiaShun"), id="wecom-2016"),
    pytest.param(dict(token="QDG6eK", key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", corp="wx5823bf96d3bd56c7",
                      verify=("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
                              "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="),
                      echo="1616140317555161061",
                      message=("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149",
                               "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
                               "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
                               "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
                               "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
                               "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
                               "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="),
                      content="hello", sender="mycreate"), id="wecom-2014"),
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_published_samples_verify_and_decrypt(sample):
    crypto = WeComCrypto(sample["token"], sample["key"], sample["corp"])
    assert crypto.verify_url(*sample["verify"]) == sample["echo"]
    signature, timestamp, nonce, encrypted = sample["message"]
    inner = parse_xml(crypto.decrypt_message(encrypted, signature, timestamp, nonce))
    assert (inner["Content"], inner["FromUserName"], inner["MsgType"]) == (sample["content"], sample["sender"], "text")


@pytest.mark.parametrize("sample", SAMPLES[:1])
def test_a_tampered_signature_a_wrong_key_or_another_corp_is_refused(sample):
    signature, timestamp, nonce, encrypted = sample["message"]
    crypto = WeComCrypto(sample["token"], sample["key"], sample["corp"])
    with pytest.raises(SignatureError):
        crypto.decrypt_message(encrypted, "0" * 40, timestamp, nonce)
    with pytest.raises(DecryptError):
        WeComCrypto(sample["token"], sample["key"], "ww-another-corp").decrypt(encrypted)
    with pytest.raises(DecryptError):
        WeComCrypto(sample["token"], KEY, sample["corp"]).decrypt(encrypted)


def test_encrypting_then_decrypting_gives_the_message_back():
    crypto = WeComCrypto("t", KEY, CORP)
    assert crypto.decrypt(crypto.encrypt("<xml><Content>你好，李伟</Content></xml>")) == "<xml><Content>你好，李伟</Content></xml>"


# --- the callback URL of a Tessera app, with our own Token, EncodingAESKey and CorpID ---
TOKEN, CORP, KEY = "tessera-test-token", "ww-tessera-test", base64.b64encode(bytes(range(32))).decode().rstrip("=")
LI_WEI, ZHAO_LEI = demo_wecom_id("li.wei"), demo_wecom_id("zhao.lei")
CRYPTO = WeComCrypto(TOKEN, KEY, CORP)


@pytest.fixture
def wecom_api():
    issued = []

    def gettoken(call):
        issued.append(f"token-{len(issued) + 1}")
        return {"errcode": 0, "errmsg": "ok", "access_token": issued[-1], "expires_in": 7200}

    api = FakeApi({"/cgi-bin/gettoken": gettoken, "/cgi-bin/message/send": lambda c: {"errcode": 0, "errmsg": "ok"},
                   "/cgi-bin/media/upload": lambda c: {"errcode": 0, "type": "image", "media_id": "M-chart-1"}})
    api.issued = issued
    yield api
    api.close()


@pytest.fixture
def approvals():
    decided = []

    def resume_approval(approval_id, approved, approver_login):
        if approver_login != "zhao.lei":
            raise PermissionError(f"{approver_login} may not decide this; it waits for zhao.lei")
        decided.append((approval_id, approved, approver_login))
        return "Discount of 12% on D-7 applied."

    resume_approval.decided = decided
    return resume_approval


@pytest.fixture
def client(module_tessera, wecom_api, approvals):
    tessera = module_tessera
    settings = WeComSettings(corp_id=CORP, agent_id="1000002", secret="s3cret", token=TOKEN, encoding_aes_key=KEY)
    wecom = WeComClient(CORP, "s3cret", 1000002, base_url=wecom_api.url + "cgi-bin/")
    app = create_app(tessera)
    app.include_router(wecom_router(tessera, settings, client=wecom, resume_approval=approvals))
    with TestClient(app) as c:
        yield c


def inner(sender: str, content: str = "", *, msg_id: str = "7001", kind: str = "text", extra: str = "") -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID>{extra}</xml>")


def signed_callback(xml: str, *, at: float | None = None, nonce: str = "1597212914", crypto=CRYPTO) -> dict:
    timestamp, encrypted = str(int(at if at is not None else time.time())), crypto.encrypt(xml)
    return {"params": {"msg_signature": crypto.signature(timestamp, nonce, encrypted), "timestamp": timestamp,
                       "nonce": nonce},
            "content": f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
                       f"<AgentID><![CDATA[1000002]]></AgentID></xml>"}


def passive_reply(response) -> dict:
    """Checks the encrypted passive reply's signature as WeCom would, and returns its decrypted fields."""
    outer = parse_xml(response.text)
    return parse_xml(CRYPTO.decrypt_message(outer["Encrypt"], outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]))


def test_url_verification_answers_with_the_bare_echostr(client):
    timestamp, echostr = str(int(time.time())), CRYPTO.encrypt("5927782914618712345")
    r = client.get("/wecom/callback", params={"msg_signature": CRYPTO.signature(timestamp, "42", echostr),
                                              "timestamp": timestamp, "nonce": "42", "echostr": echostr})
    assert r.status_code == 200 and r.text == "5927782914618712345"


def test_a_rep_asks_in_wecom_and_gets_the_deals_as_markdown_through_the_message_api(client, wecom_api):
    r = client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "show me the deals of Acme Robotics")))
    assert r.status_code == 200 and r.text == ""
    [send] = wecom_api.wait_for("/cgi-bin/message/send")
    assert send.query["access_token"] == "token-1"
    assert send.body["touser"] == LI_WEI and send.body["agentid"] == 1000002 and send.body["msgtype"] == "markdown"
    assert send.body["markdown"]["content"].startswith("### find deals · Acme Robotics\n> **D-")


def test_an_account_summary_arrives_as_a_template_card_then_its_lists(client, wecom_api):
    client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "give me an overview of Acme Robotics")))
    send, details = wecom_api.wait_for("/cgi-bin/message/send", count=2)
    card = send.body["template_card"]
    assert card["card_type"] == "text_notice" and card["main_title"]["title"] == "Acme Robotics"
    assert {"keyname": "owner", "value": "李伟"} in card["horizontal_content_list"]
    assert details.body["msgtype"] == "markdown" and "> D-2056" in details.body["markdown"]["content"]


def test_a_prep_card_in_wecom_leads_with_the_talking_points_and_lists_deals_and_people(client, wecom_api,
                                                                                       module_tessera):
    before = _activities(module_tessera)
    client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "帮我准备一下明天和Acme Robotics的会", msg_id="7101")))
    send, details = wecom_api.wait_for("/cgi-bin/message/send", count=2)
    card = send.body["template_card"]
    assert card["main_title"]["title"] == "Acme Robotics" and card["sub_title_text"].startswith("1. ")
    text = details.body["markdown"]["content"]
    assert "### talking points\n1. " in text and "**who we meet** (2)" in text and "D-2056" in text and "%" in text
    assert _activities(module_tessera) == before  # preparing a meeting logs nothing


def test_a_long_chinese_markdown_is_cut_to_wecoms_byte_limit_at_a_character_boundary():
    original = "商机" * 3000
    text = clipped(original)
    assert original.startswith(text) and len(text) == MARKDOWN_LIMIT // 3  # 1,333 characters, 3,999 bytes


def _activities(tessera) -> int:
    from sqlalchemy import func, select

    from crm.models import Activity

    with tessera.store.session() as s:
        return s.scalar(select(func.count()).select_from(Activity))


def test_the_access_token_is_cached_and_fetched_again_when_wecom_says_it_expired(client, wecom_api):
    client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "hello", msg_id="1")))
    client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "hello again", msg_id="2"), nonce="2"))
    assert len(wecom_api.wait_for("/cgi-bin/message/send", count=2)) == 2 and wecom_api.issued == ["token-1"]
    wecom_api.routes["/cgi-bin/message/send"] = lambda c: (
        {"errcode": 42001, "errmsg": "access_token expired"} if c.query["access_token"] == "token-1" else {"errcode": 0})
    client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "hello once more", msg_id="3"), nonce="3"))
    sends = wecom_api.wait_for("/cgi-bin/message/send", count=4)
    assert wecom_api.issued == ["token-1", "token-2"] and sends[-1].query["access_token"] == "token-2"


def test_the_token_is_refreshed_before_it_runs_out(wecom_api):
    now = [1000.0]
    wecom = WeComClient(CORP, "s3cret", 1000002, base_url=wecom_api.url + "cgi-bin/", clock=lambda: now[0])
    assert wecom.access_token() == wecom.access_token() == "token-1"
    now[0] += 7200 - 299
    assert wecom.access_token() == "token-2"


def test_an_unknown_wecom_user_gets_a_clear_refusal_as_an_encrypted_passive_reply(client, wecom_api):
    r = client.post("/wecom/callback", **signed_callback(inner("Stranger", "show me all deals")))
    reply = passive_reply(r)
    assert reply["MsgType"] == "text" and reply["ToUserName"] == "Stranger"
    assert "'Stranger' is not linked to a Tessera user" in reply["Content"]
    assert wecom_api.calls_to("/cgi-bin/message/send") == []


@pytest.mark.parametrize("how, reason", [
    (dict(at=time.time() - 600), "stale request"),
    (dict(crypto=WeComCrypto("not-our-token", KEY, CORP)), "msg_signature does not match"),
    (dict(crypto=WeComCrypto(TOKEN, base64.b64encode(bytes(32)).decode().rstrip("="), CORP)), "bad padding"),
])
def test_forged_and_stale_callbacks_are_refused_and_logged(client, wecom_api, caplog, how, reason):
    with caplog.at_level(logging.WARNING, logger="tessera.channels.wecom"):
        r = client.post("/wecom/callback", **signed_callback(inner(LI_WEI, "show me the deals of Acme Robotics"), **how))
    assert r.status_code == 403
    assert any(reason in m or "not addressed" in m for m in caplog.messages), caplog.messages
    assert wecom_api.calls_to("/cgi-bin/message/send") == []


def test_a_replayed_callback_is_refused_and_a_retried_message_answered_once(client, wecom_api, caplog):
    request = signed_callback(inner(LI_WEI, "hello", msg_id="42"))
    assert client.post("/wecom/callback", **request).status_code == 200
    with caplog.at_level(logging.WARNING, logger="tessera.channels.wecom"):
        assert client.post("/wecom/callback", **request).status_code == 403
    assert any("replayed" in m for m in caplog.messages)
    retry = signed_callback(inner(LI_WEI, "hello", msg_id="42"), nonce="retry-1")  # WeCom's own retry
    assert client.post("/wecom/callback", **retry).status_code == 200
    assert len(wecom_api.wait_for("/cgi-bin/message/send")) == 1


def test_a_url_verification_with_a_forged_signature_is_refused(client):
    timestamp, echostr = str(int(time.time())), CRYPTO.encrypt("1")
    r = client.get("/wecom/callback", params={"msg_signature": "f" * 40, "timestamp": timestamp, "nonce": "1",
                                              "echostr": echostr})
    assert r.status_code == 403


def test_the_approval_card_has_approve_and_reject_buttons_keyed_by_the_approval():
    card = approval_card(ApprovalRequest("AP-1", "Discount approval", "12% off D-7", details={"deal": "D-7"}))
    assert card["card_type"] == "button_interaction" and card["task_id"] == "approval-AP-1"
    assert [b["key"] for b in card["button_list"]] == ["approve:AP-1", "reject:AP-1"]


def card_event(sender: str, key: str) -> str:
    return inner(sender, kind="event", msg_id="", extra=(
        f"<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
        f"<TaskId><![CDATA[approval-AP-1]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
        f"<ResponseCode><![CDATA[rc-1]]></ResponseCode>"))


def test_pressing_approve_on_the_card_resumes_the_conversation_and_greys_the_buttons(client, wecom_api, approvals):
    r = client.post("/wecom/callback", **signed_callback(card_event(ZHAO_LEI, "approve:AP-1")))
    reply = passive_reply(r)
    assert reply["MsgType"] == "update_button" and reply["Button"].find("ReplaceName").text == "已批准 Approved · zhao.lei"
    assert approvals.decided == [("AP-1", True, "zhao.lei")]
    [send] = wecom_api.wait_for("/cgi-bin/message/send")
    assert send.body["text"]["content"] == "Discount of 12% on D-7 applied."


def test_a_rep_pressing_approve_is_told_why_not(client, wecom_api, approvals):
    reply = passive_reply(client.post("/wecom/callback", **signed_callback(card_event(LI_WEI, "approve:AP-1"))))
    assert "li.wei may not decide this" in reply["Content"] and approvals.decided == []


def test_a_managers_trend_arrives_with_its_chart_as_an_image(client, wecom_api):
    client.post("/wecom/callback", **signed_callback(inner(ZHAO_LEI, "过去六个月每月的赢单金额", msg_id="7301")))
    [upload] = wecom_api.wait_for("/cgi-bin/media/upload")
    assert upload.query["type"] == "image" and b"\x89PNG" in upload.body["bytes"]
    sends = wecom_api.wait_for("/cgi-bin/message/send", count=2)
    assert sends[0].body["msgtype"] == "markdown" and "赢单金额" in sends[0].body["markdown"]["content"]
    assert sends[1].body == {"touser": ZHAO_LEI, "agentid": 1000002, "msgtype": "image",
                             "image": {"media_id": "M-chart-1"}}
