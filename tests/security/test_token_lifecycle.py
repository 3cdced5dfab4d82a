"""Finding 6: an erased person's token still worked (as `erased-44` it opened a case and granted a consent again),
and tokens never expired. Now a token has a lifetime and scopes, and it dies with its user's account."""
from __future__ import annotations

import datetime as dt
import pytest
from sqlalchemy import func, select, update

from channels.auth import (credential_for_token, default_scopes, disable_user, issue_token, revoke_tokens_of_user,
                           TokenRefused)
from channels.identities import ApiToken
from crm.actor import AccessDenied
from crm.models import Case, User, utcnow
from crm.privacy.models import ConsentRecord
from tests.cli_support import run_cli
from tests.conftest import settings_for


def test_an_erased_customers_token_opens_no_case_and_grants_no_consent(api):
    token = api.token("cust.chen.jing")
    with api.tessera.store.session() as s:  # what erasure does to the login (crm/privacy/erasure.py)
        user = s.scalar(select(User).where(User.login == "cust.chen.jing"))
        user.login, user.display_name, contact_id = f"erased-{user.id}", "[erased]", user.contact_id
        cases, consents = (s.scalar(select(func.count()).select_from(t).where(t.contact_id == contact_id))
                           for t in (Case, ConsentRecord))
    headers = {"Authorization": f"Bearer {token}"}
    opened = api.client.post("/v1/chat", headers=headers, json={"message": "我要投诉：设备坏了，请开一个工单"})
    granted = api.client.put("/v1/me/consents/user.contact/marketing.communications", headers=headers,
                             json={"granted": True})
    assert opened.status_code == granted.status_code == 401
    assert "erased" in opened.json()["detail"]
    with api.tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.contact_id == contact_id)) == cases
        assert s.scalar(select(func.count()).select_from(ConsentRecord)
                        .where(ConsentRecord.contact_id == contact_id)) == consents


def test_revoking_a_users_tokens_leaves_everyone_elses_working(api):
    mine, theirs = api.token("cust.chen.jing"), api.token("cust.mark.taylor")
    with api.tessera.store.session() as s:
        user_id = s.scalar(select(User.id).where(User.login == "cust.chen.jing"))
        assert revoke_tokens_of_user(s, user_id) == 1
        assert revoke_tokens_of_user(s, user_id) == 0  # nothing left to revoke
    assert api.client.get("/v1/whoami", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
    assert api.client.get("/v1/whoami", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200


def test_a_disabled_user_is_refused_on_every_channel_and_gets_no_new_token(api):
    token = api.token("li.wei")
    with api.tessera.store.session() as s:
        assert disable_user(s, "li.wei") == 1
    assert api.client.post("/v1/chat", headers={"Authorization": f"Bearer {token}"},
                           json={"message": "hi"}).status_code == 401
    with pytest.raises(AccessDenied, match="disabled"):
        api.tessera.chat("li.wei", "slack:C1:1.0", "hi")  # Slack and WeCom chat through the runtime by login
    with api.tessera.store.session() as s, pytest.raises(AccessDenied):
        issue_token(s, "li.wei")


def test_an_expired_token_is_refused_with_a_hint(api):
    token = api.token("li.wei")
    with api.tessera.store.session() as s:
        s.execute(update(ApiToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    r = api.client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"] and "tokens issue" in r.json()["detail"]


def test_a_token_lives_as_long_as_asked_and_never_longer_than_allowed(tessera):
    now = dt.datetime(2026, 11, 26, 10, 0)
    with tessera.store.session() as s:
        token = issue_token(s, "li.wei", ttl=dt.timedelta(hours=2), now=now)
        assert credential_for_token(s, token, now=now + dt.timedelta(minutes=119)).actor.login == "li.wei"
        with pytest.raises(TokenRefused, match="expired"):
            credential_for_token(s, token, now=now + dt.timedelta(hours=2))
        default = credential_for_token(s, issue_token(s, "li.wei", now=now), now=now)
        assert default.expires_at == now + dt.timedelta(days=tessera.settings.auth.token_ttl_days)
        with pytest.raises(ValueError, match="between"):
            issue_token(s, "li.wei", ttl=dt.timedelta(days=tessera.settings.auth.max_token_ttl_days + 1))


def test_a_customer_can_hold_no_staff_scope_and_a_token_reaches_only_its_scopes(api):
    with api.tessera.store.session() as s:
        for scope in ("units", "approvals", "admin"):
            with pytest.raises(AccessDenied, match="customer may not hold"):
                issue_token(s, "cust.chen.jing", scopes=[scope])
        with pytest.raises(AccessDenied):
            issue_token(s, "zhao.lei", scopes=["admin"])  # admin is for admins only
        with pytest.raises(ValueError, match="unknown scope"):
            issue_token(s, "zhao.lei", scopes=["root"])
    assert default_scopes("customer") == ("chat", "privacy") and "admin" not in default_scopes("admin")
    customer = {"Authorization": f"Bearer {api.token('cust.chen.jing')}"}
    assert api.client.get("/v1/units/status", headers=customer).status_code == 403
    assert api.client.get("/v1/approvals", headers=customer).status_code == 403
    chat_only = {"Authorization": f"Bearer {api.token('zhao.lei', scopes=['chat'])}"}
    refused = api.client.get("/v1/approvals", headers=chat_only)
    assert refused.status_code == 403 and "--scope approvals" in refused.json()["detail"]
    assert api.client.post("/v1/chat", headers=chat_only, json={"message": "hi"}).status_code == 200


def test_the_cli_issues_a_scoped_token_with_a_lifetime(data_dir, tessera):
    settings = settings_for(data_dir)
    issued = run_cli("tokens", "issue", "zhao.lei", "--ttl", "12h", "--scope", "chat", "--scope", "approvals",
                     settings=settings)
    assert issued.exit_code == 0, issued.stderr
    with tessera.store.session() as s:
        credential = credential_for_token(s, issued.stdout.strip())
    assert credential.scopes == {"chat", "approvals"}
    assert dt.timedelta(hours=11, minutes=59) < credential.expires_at - utcnow() <= dt.timedelta(hours=12)
    refused = run_cli("tokens", "issue", "cust.chen.jing", "--scope", "units", settings=settings)
    assert refused.exit_code == 1 and "may not hold" in refused.stderr
    assert run_cli("tokens", "issue", "zhao.lei", "--ttl", "soon", settings=settings).exit_code == 2
    assert run_cli("tokens", "issue", "zhao.lei", "--scope", "root", settings=settings).exit_code == 2
    disabled = run_cli("identities", "disable", "zhao.lei", settings=settings)
    assert disabled.exit_code == 0 and "1 token(s) revoked" in disabled.stdout
