"""Adds the channels to the FastAPI app: the web pages always; Slack and WeCom when their settings are given."""
from __future__ import annotations

import logging

from fastapi import FastAPI
from slack_sdk import WebClient

from channels.reminders import slack_sender, wecom_sender
from channels.slack_app import ResumeApproval, create_slack_app, slack_router
from channels.web import router as web_router
from channels.wecom.callback import wecom_router
from channels.wecom.client import WeComClient
from tessera.runtime import Tessera
from tessera.settings import Settings

log = logging.getLogger("tessera.channels")


def default_resume(tessera: Tessera) -> ResumeApproval:
    """The runtime's own decision entry point: resumes the requester's paused conversation."""
    return lambda approval_id, approved, login: tessera.decide(approval_id, login, approved)


def mount_channels(app: FastAPI, tessera: Tessera, settings: Settings | None = None, *,
                   resume_approval: ResumeApproval | None = None) -> list[str]:
    """Mounts what is configured (by default the runtime's settings); returns the names mounted.

    Half-configured channels never get here: the settings object refuses them when it is made."""
    settings = settings or tessera.settings
    resume_approval = resume_approval or default_resume(tessera)
    app.include_router(web_router)
    mounted = ["web"]
    slack = settings.slack
    if slack.enabled:
        slack_client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        bolt = create_slack_app(tessera, signing_secret=slack.signing_secret, resume_approval=resume_approval,
                                client=slack_client, command=slack.command)
        tessera.reminders.add_channel("slack", slack_sender(tessera, slack_client))
        app.include_router(slack_router(bolt, slack.signing_secret))
        mounted.append("slack")
    wecom = settings.wecom
    if wecom.enabled:
        client = WeComClient(wecom.corp_id, wecom.secret, wecom.agent_id, base_url=wecom.api_url)
        app.include_router(wecom_router(tessera, wecom, client=client, resume_approval=resume_approval))
        tessera.reminders.add_channel("wecom", wecom_sender(tessera, client))
        mounted.append("wecom")
    log.info("channels mounted: %s", ", ".join(mounted))
    return mounted
