"""Who may call: channel accounts linked to users, API tokens stored as hashes, and each user acting only as themself."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from channels.auth import issue_token, revoke_tokens, token_hash
from channels.http_api import create_app
from channels.identities import ApiToken, ChannelIdentity, UnknownCaller, actor_for, demo_slack_id, demo_wecom_id, seed_channels
from channels.mount import mount_channels
from tessera.settings import Settings
from tests.cli_support import run_cli
from tests.conftest import settings_for


def test_seeding_links_staff_on_every_channel_and_customers_on_the_web_once(tessera):
    with tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(ChannelIdentity)) > 0  # the demo seed linked them
        assert seed_channels(s) == 0  # and seeding again links nobody twice
        assert actor_for(s, "slack", demo_slack_id("li.wei")).login == "li.wei"
        assert actor_for(s, "wecom", demo_wecom_id("zhao.lei")).role == "manager"
        assert actor_for(s, "web", "cust.chen.jing").role == "customer"
        with pytest.raises(UnknownCaller, match="not linked"):
            actor_for(s, "slack", demo_slack_id("cust.chen.jing"))  # customers are not in the company's Slack


def test_a_token_is_stored_only_as_its_hash(tessera):
    with tessera.store.session() as s:
        token = issue_token(s, "li.wei", label="laptop")
        stored = s.scalars(select(ApiToken)).all()
    assert token.startswith("tsk_") and len(token) > 40
    assert [row.token_hash for row in stored] == [token_hash(token)] and token not in str(stored[0].__dict__)


@pytest.fixture
def client(tessera):
    app = create_app(tessera)
    with TestClient(app) as c:
        yield c


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_whoami_names_the_tokens_owner_and_refuses_a_missing_or_revoked_token(client, tessera):
    with tessera.store.session() as s:
        token = issue_token(s, "cust.chen.jing")
    assert client.get("/v1/whoami", headers=bearer(token)).json() == {"login": "cust.chen.jing", "role": "customer",
                                                                      "language": "zh"}
    missing = client.get("/v1/whoami")
    assert missing.status_code == 401 and "tessera tokens issue" in missing.json()["detail"]
    with tessera.store.session() as s:
        assert revoke_tokens(s, "cust.chen.jing") == 1
    assert client.get("/v1/whoami", headers=bearer(token)).status_code == 401
    assert client.get("/v1/whoami", headers=bearer("tsk_forged")).status_code == 401


def test_a_token_speaks_for_its_owner_whatever_the_request_names(client, tessera):
    with tessera.store.session() as s:
        chen = issue_token(s, "cust.chen.jing")
    asked = client.get("/v1/me/consents", params={"user": "cust.mark.taylor"}, headers=bearer(chen))
    assert asked.status_code == 422 and "owner of your token" in asked.text
    own = client.get("/v1/me/consents", headers=bearer(chen))
    assert own.status_code == 200


def test_the_cli_issues_tokens_and_links_accounts(data_dir, tessera):
    settings = settings_for(data_dir)
    runs = [run_cli("identities", "seed", settings=settings),
            run_cli("identities", "link", "slack", "U04REALID", "emma.chen", settings=settings),
            run_cli("tokens", "issue", "emma.chen", settings=settings)]
    assert [r.exit_code for r in runs] == [0, 0, 0]
    lines = [r.stdout.strip() for r in runs]
    assert lines[0].startswith("linked ") and lines[1] == "slack U04REALID now speaks as emma.chen"
    with tessera.store.session() as s:
        assert actor_for(s, "slack", "U04REALID").login == "emma.chen"
        assert s.scalar(select(ApiToken.token_hash)) == token_hash(lines[2])
    listed = run_cli("identities", "list", "--json", settings=settings)
    assert listed.exit_code == 0
    assert {"channel": "slack", "external_id": "U04REALID", "login": "emma.chen", "role": "rep"} in \
        json.loads(listed.stdout)
    assert run_cli("tokens", "issue", "nobody", settings=settings).exit_code == 1


def test_a_half_configured_channel_is_refused_with_the_missing_setting(tessera):
    with pytest.raises(ValueError, match="TESSERA_SLACK__BOT_TOKEN"):
        mount_channels(create_app(tessera), tessera, Settings(slack={"signing_secret": "x"}))
    with pytest.raises(ValueError, match="TESSERA_WECOM__AGENT_ID"):
        mount_channels(create_app(tessera), tessera, Settings(wecom={"corp_id": "ww1"}))


def test_the_chat_api_chats_as_the_tokens_owner_and_refuses_a_user_field(client, tessera):
    with tessera.store.session() as s:
        li = issue_token(s, "li.wei")
    own = client.post("/v1/chat", json={"message": "hello"}, headers=bearer(li))
    assert own.status_code == 200 and own.json()["agent"] == "sales"
    assert tessera.traces.get(own.json()["turn_id"]).user_login == "li.wei"
    other = client.post("/v1/chat", json={"user": "emma.chen", "message": "hello"}, headers=bearer(li))
    assert other.status_code == 422
    assert client.post("/v1/chat", json={"message": "hello"}).status_code == 401


def test_channels_mount_from_settings_and_answer_slacks_and_wecoms_url_checks(tessera):
    import json
    import time

    from slack_sdk.signature import SignatureVerifier

    from channels.wecom.crypto import WeComCrypto
    from tests.channel_support import FakeApi

    slack_api = FakeApi({"/auth.test": lambda c: {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}})
    key = "A" * 43
    settings = Settings(slack={"signing_secret": "sec", "bot_token": "xoxb-1", "api_url": slack_api.url},
                               wecom={"corp_id": "ww1", "agent_id": "1000002", "secret": "s", "token": "tok",
                                      "encoding_aes_key": key, "api_url": "http://127.0.0.1:9/"})
    app = create_app(tessera)
    try:
        assert mount_channels(app, tessera, settings) == ["web", "slack", "wecom"]
        with TestClient(app) as c:
            body, ts = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}), str(int(time.time()))
            r = c.post("/slack/events", content=body, headers={
                "content-type": "application/json", "x-slack-request-timestamp": ts,
                "x-slack-signature": SignatureVerifier("sec").generate_signature(timestamp=ts, body=body)})
            assert r.status_code == 200 and r.json() == {"challenge": "c-123"}
            crypto = WeComCrypto("tok", key, "ww1")
            echostr = crypto.encrypt("8812")
            r = c.get("/wecom/callback", params={"msg_signature": crypto.signature(ts, "n", echostr), "timestamp": ts,
                                                 "nonce": "n", "echostr": echostr})
            assert r.text == "8812"
            assert c.get("/web/privacy").headers["content-security-policy"].startswith("default-src 'self'")
    finally:
        slack_api.close()
