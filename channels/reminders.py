"""Reminder senders: a due reminder reaches its owner as a Slack DM or a WeCom message (tessera/reminders.py)."""
from __future__ import annotations

from slack_sdk import WebClient

from channels.identities import external_id_of
from crm.tasks.reminders import Reminder
from tessera.runtime import Tessera


def slack_sender(tessera: Tessera, client: WebClient):
    def send(reminder: Reminder) -> bool:
        with tessera.store.session() as s:
            user_id = external_id_of(s, "slack", reminder.login)
        if not user_id:
            return False
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": reminder.text}},
                  {"type": "context", "elements": [{"type": "mrkdwn", "text": (
                      f"回复 “完成 T-{reminder.task_id}” 关闭" if reminder.language == "zh"
                      else f"Reply “done T-{reminder.task_id}” to close it")}]}]
        client.chat_postMessage(channel=user_id, text=reminder.text, blocks=blocks)  # a user id opens the DM
        return True
    return send


def wecom_sender(tessera: Tessera, client):
    def send(reminder: Reminder) -> bool:
        with tessera.store.session() as s:
            user_id = external_id_of(s, "wecom", reminder.login)
        if not user_id:
            return False
        client.send_text(user_id, reminder.text)
        return True
    return send
