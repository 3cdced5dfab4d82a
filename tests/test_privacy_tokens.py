"""Vault tokens: lifetime by sensitivity; expired, replayed single-use, wrong-scope and tampered tokens are
refused with a clear error, and every refusal lands in the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.models import Contact
from crm.privacy import vault
from crm.privacy.consents import record_consent
from crm.privacy.models import AuditEntry
from crm.privacy.tokens import TokenRefused, VaultTokens
from tests.conftest import FIXED_NOW
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401


@pytest.fixture
def chen(ptessera) -> int:
    with ptessera.store.session() as s:
        cid = s.scalar(select(Contact.id).where(Contact.full_name == "陈静"))
        record_consent(s, contact_id=cid, category="user.health_and_medical", purpose="essential.service",
                       granted=True, now=FIXED_NOW - dt.timedelta(days=1), channel="web_form", by="test")
        vault.deposit(s, contact_id=cid, category="user.health_and_medical", content="allergic to latex gloves",
                      channel="hotline", system="tessera-service", now=FIXED_NOW - dt.timedelta(hours=2))
    return cid


def _issue(tokens, store, cid, category, purpose="essential.service", at=FIXED_NOW) -> str:
    with store.session() as s:
        return tokens.issue(s, contact_id=cid, category=category, purpose=purpose, client_id="crm:li.wei", now=at)


def _refusals(store) -> list[str]:
    with store.session() as s:
        return [e.reason for e in s.scalars(select(AuditEntry).where(AuditEntry.event == "token_refused"))]


def test_lifetimes_follow_sensitivity():
    tokens = VaultTokens()
    assert tokens.taxonomy.token_lifetime("user.contact.phone_number").seconds == 7 * 86400
    assert tokens.taxonomy.token_lifetime("user.behavior.purchase_history").seconds == 30 * 86400
    assert tokens.taxonomy.token_lifetime("user.health_and_medical").single_use


def test_a_contact_token_works_for_7_days_then_is_refused_as_expired(ptessera, chen):
    tokens = VaultTokens()
    token = _issue(tokens, ptessera.store, chen, "user.contact", "sales.follow_up")
    with ptessera.store.session() as s:
        claims = tokens.redeem(s, token, contact_id=chen, category="user.contact.phone_number",
                               now=FIXED_NOW + dt.timedelta(days=6))
        assert claims["authorization_details"][0]["datatypes"] == ["user.contact"]
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="token expired at .*ask the vault for a new one"):
        tokens.redeem(s, token, contact_id=chen, category="user.contact", now=FIXED_NOW + dt.timedelta(days=7, seconds=1))
    assert any("expired" in r for r in _refusals(ptessera.store))


def test_a_single_use_health_token_reads_the_vault_once_and_is_refused_on_replay(ptessera, chen):
    tokens = VaultTokens()
    token = _issue(tokens, ptessera.store, chen, "user.health_and_medical")
    with ptessera.store.session() as s:
        items = vault.read(s, tokens, token, contact_id=chen, category="user.health_and_medical", now=FIXED_NOW)
    assert [i["content"] for i in items] == ["allergic to latex gloves"]
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="single-use token .* was already used"):
        vault.read(s, tokens, token, contact_id=chen, category="user.health_and_medical", now=FIXED_NOW)
    assert any("already used" in r for r in _refusals(ptessera.store))


def test_a_token_for_contact_details_cannot_read_health_data_or_another_person(ptessera, chen):
    tokens = VaultTokens()
    token = _issue(tokens, ptessera.store, chen, "user.contact", "sales.follow_up")
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="wrong scope"):
        vault.read(s, tokens, token, contact_id=chen, category="user.health_and_medical", now=FIXED_NOW)
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="wrong scope"):
        tokens.redeem(s, token, contact_id=chen + 1, category="user.contact", now=FIXED_NOW)
    assert sum("wrong scope" in r for r in _refusals(ptessera.store)) == 2


def test_a_tampered_token_is_refused(ptessera, chen):
    tokens = VaultTokens()
    header, payload, signature = _issue(tokens, ptessera.store, chen, "user.contact", "sales.follow_up").split(".")
    forged = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="tampered or malformed"):
        tokens.redeem(s, forged, contact_id=chen, category="user.contact", now=FIXED_NOW)
    other_vault = VaultTokens()  # signed with another key
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="tampered or malformed"):
        other_vault.redeem(s, ".".join([header, payload, signature]), contact_id=chen, category="user.contact",
                           now=FIXED_NOW)
    assert sum("tampered" in r for r in _refusals(ptessera.store)) == 2


def test_a_consent_withdrawn_after_issue_stops_a_still_valid_token(ptessera, chen):
    tokens = VaultTokens()
    token = _issue(tokens, ptessera.store, chen, "user.contact", "sales.follow_up")
    with ptessera.store.session() as s:
        record_consent(s, contact_id=chen, category="user.contact", purpose="sales.follow_up", granted=False,
                       now=FIXED_NOW + dt.timedelta(hours=1), channel="chat", by="contact:test")
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="consent changed: .* revoked 'sales follow-up'"):
        tokens.redeem(s, token, contact_id=chen, category="user.contact", now=FIXED_NOW + dt.timedelta(hours=2))
    with ptessera.store.session() as s, pytest.raises(TokenRefused, match="not issued"):
        tokens.issue(s, contact_id=chen, category="user.contact", purpose="sales.follow_up", client_id="crm:li.wei",
                     now=FIXED_NOW + dt.timedelta(hours=2))
