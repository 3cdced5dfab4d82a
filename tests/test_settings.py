"""The one settings object: nested sections from the environment or tessera.toml, and a clear refusal of wrong
values that names the variable to fix (and never echoes a secret)."""
from __future__ import annotations

import pytest

from tessera.settings import Settings, SettingsError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no tessera.toml unless a test writes one


def test_sections_are_read_from_tessera_section_field_variables(monkeypatch):
    monkeypatch.setenv("TESSERA_SLACK__SIGNING_SECRET", "sig")
    monkeypatch.setenv("TESSERA_SLACK__BOT_TOKEN", "xoxb-123")
    monkeypatch.setenv("TESSERA_EDGE__ACCOUNTS", '{"plant-7": 3}')
    monkeypatch.setenv("TESSERA_EDGE__NODE_CREDENTIAL", "tsn_abc")
    monkeypatch.setenv("TESSERA_MODELS__SALES", "openai/gpt-4.1")
    settings = Settings()
    assert settings.slack.enabled and settings.slack.bot_token == "xoxb-123"
    assert settings.edge.accounts == {"plant-7": 3} and settings.edge.node_credential == "tsn_abc"
    assert settings.model_for("sales") == "openai/gpt-4.1" and settings.model_for("analyst") == "tessera/offline"
    assert not settings.wecom.enabled


def test_tessera_toml_fills_sections_and_the_environment_wins(monkeypatch, tmp_path):
    (tmp_path / "tessera.toml").write_text('api_port = 9000\n[edge]\nwebhook_url = "http://hooks.local/claims"\n'
                                          '[models]\nsales = "deepseek/deepseek-chat"\n', encoding="utf-8")
    monkeypatch.setenv("TESSERA_API_PORT", "9100")
    settings = Settings()
    assert settings.api_port == 9100 and settings.edge.webhook_url == "http://hooks.local/claims"
    assert settings.models.sales == "deepseek/deepseek-chat"


def test_a_wrong_value_names_the_variable_the_value_and_what_is_expected(monkeypatch):
    monkeypatch.setenv("TESSERA_API_PORT", "eighty")
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert "TESSERA_API_PORT = 'eighty'" in str(refused.value) and "valid integer" in str(refused.value)

    monkeypatch.setenv("TESSERA_API_PORT", "8000")
    monkeypatch.setenv("TESSERA_DATABASE_URL", "mysql://db/crm")
    with pytest.raises(SettingsError, match=r"TESSERA_DATABASE_URL = 'mysql://db/crm'.*postgresql://"):
        Settings()


def test_a_mapping_that_is_not_json_says_how_to_write_it(monkeypatch):
    monkeypatch.setenv("TESSERA_EDGE__ACCOUNTS", "plant-7=3")
    with pytest.raises(SettingsError, match=r"TESSERA_EDGE__\*.*not JSON.*TESSERA_EDGE__ACCOUNTS='\{\"plant-7\": 3\}'"):
        Settings()
    monkeypatch.setenv("TESSERA_EDGE__ACCOUNTS", '{"plant-7": "three"}')
    with pytest.raises(SettingsError, match="TESSERA_EDGE__ACCOUNTS entry 'plant-7'"):
        Settings()


def test_half_configured_slack_or_wecom_is_refused_with_the_variable_to_set(monkeypatch):
    with pytest.raises(SettingsError, match="set TESSERA_SLACK__BOT_TOKEN"):
        Settings(slack={"signing_secret": "sig"})
    with pytest.raises(SettingsError, match="set TESSERA_SLACK__SIGNING_SECRET .* or TESSERA_SLACK__APP_TOKEN"):
        Settings(slack={"bot_token": "xoxb-1"})
    with pytest.raises(SettingsError, match="set TESSERA_WECOM__SECRET"):
        Settings(wecom={"corp_id": "ww1", "agent_id": "1000002"})
    with pytest.raises(SettingsError, match="set TESSERA_WECOM__CORP_ID"):
        Settings(wecom={"agent_id": "1000002", "secret": "s", "token": "t", "encoding_aes_key": "A" * 43})


def test_a_wrong_secret_is_named_but_never_printed(monkeypatch):
    monkeypatch.setenv("TESSERA_SLACK__SIGNING_SECRET", "sig")
    monkeypatch.setenv("TESSERA_SLACK__BOT_TOKEN", "xoxp-user-token-not-a-bot-token")
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert "TESSERA_SLACK__BOT_TOKEN" in str(refused.value) and "xoxb-" in str(refused.value)
    assert "xoxp-user-token" not in str(refused.value)
    with pytest.raises(SettingsError, match="TESSERA_WECOM__ENCODING_AES_KEY.*43-character") as refused:
        Settings(wecom={"corp_id": "ww1", "agent_id": "1", "secret": "s", "token": "t", "encoding_aes_key": "short"})
    assert "short" not in str(refused.value)


def test_the_defaults_run_offline_with_no_channel_and_no_edge_site():
    settings = Settings()
    assert settings.store_url.startswith("sqlite:///") and settings.models.fallbacks == ["tessera/offline"]
    assert not settings.slack.enabled and not settings.wecom.enabled and settings.edge.accounts == {}
