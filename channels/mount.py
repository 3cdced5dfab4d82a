"""Adds the channels to the FastAPI app: the web pages always; Slack and WeCom when their secrets are set."""
from __future__ import annotations

import logging

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_sdk import WebClient

from channels.slack_app import ResumeApproval, SlackSettings, create_slack_app, slack_router
from channels.web import router as web_router
from channels.wecom.callback import WeComSettings, wecom_router
from channels.wecom.client import WeComClient
from tessera.runtime import Tessera

log = logging.getLogger("tessera.channels")


class ChannelSettings(BaseSettings):
    """TESSERA_CHANNELS__SLACK__SIGNING_SECRET, TESSERA_CHANNELS__WECOM__CORP_ID, ... (see channels/README.md)."""

    model_config = SettingsConfigDict(env_prefix="TESSERA_CHANNELS__", env_nested_delimiter="__", extra="ignore")
    slack: SlackSettings = Field(default_factory=SlackSettings)
    wecom: WeComSettings = Field(default_factory=WeComSettings)


def default_resume(tessera: Tessera) -> ResumeApproval:
    """The runtime's own decision entry point: resumes the requester's paused conversation."""
    return lambda approval_id, approved, login: tessera.decide(approval_id, login, approved)


def mount_channels(app: FastAPI, tessera: Tessera, settings: ChannelSettings | None = None, *,
                   resume_approval: ResumeApproval | None = None) -> list[str]:
    """Mounts what is configured; returns the names mounted. Half-configured channels are refused loudly."""
    settings = settings or ChannelSettings()
    resume_approval = resume_approval or default_resume(tessera)
    app.include_router(web_router)
    mounted = ["web"]
    slack = settings.slack
    if slack.signing_secret:
        if not slack.bot_token:
            raise ValueError("Slack has a signing secret but no bot token: set TESSERA_CHANNELS__SLACK__BOT_TOKEN")
        bolt = create_slack_app(tessera, signing_secret=slack.signing_secret, resume_approval=resume_approval,
                                client=WebClient(token=slack.bot_token, base_url=slack.api_url), command=slack.command)
        app.include_router(slack_router(bolt, slack.signing_secret))
        mounted.append("slack")
    wecom = settings.wecom
    if wecom.corp_id:
        missing = [n for n in ("agent_id", "secret", "token", "encoding_aes_key") if not getattr(wecom, n)]
        if missing:
            raise ValueError(f"WeCom is half configured: set TESSERA_CHANNELS__WECOM__{missing[0].upper()}")
        client = WeComClient(wecom.corp_id, wecom.secret, wecom.agent_id, base_url=wecom.api_url)
        app.include_router(wecom_router(tessera, wecom, client=client, resume_approval=resume_approval))
        mounted.append("wecom")
    log.info("channels mounted: %s", ", ".join(mounted))
    return mounted
