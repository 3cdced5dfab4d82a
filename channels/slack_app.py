"""Slack: a bolt app over the Tessera graph (mentions, DMs, a slash command, approval buttons), mounted in FastAPI."""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool

from channels.charts import chart_pngs
from channels.guards import RecentKeys
from channels.identities import UnknownCaller, actor_for, external_id_of
from channels.slack_blocks import APPROVE, REJECT, decided_blocks, refusal_blocks, turn_blocks
from channels.turn_view import view_of
from crm.actor import Actor
from tessera.runtime import Tessera

log = logging.getLogger("tessera.channels.slack")
MAX_AGE_SECONDS = 300  # Slack's own rule: refuse requests signed more than five minutes ago
MENTION = re.compile(r"<@[A-Z0-9]+>")
ResumeApproval = Callable[[str, bool, str], object]  # (approval_id, approved, approver_login) -> result or reply


def create_slack_app(tessera: Tessera, *, signing_secret: str, token: str | None = None,
                     client: WebClient | None = None, resume_approval: ResumeApproval | None = None,
                     command: str = "/tessera") -> App:
    """The bolt app. Pass `client=WebClient(base_url=...)` to send Web API calls somewhere else (tests do)."""
    app = App(signing_secret=signing_secret, client=client or WebClient(token=token), name="tessera", logger=log)
    events = RecentKeys()  # Slack retries an event up to three times: answer each event_id once
    decided = RecentKeys(ttl=7 * 24 * 3600)

    def caller(user_id: str) -> Actor:
        with tessera.store.session() as s:
            return actor_for(s, "slack", user_id)

    def answer(body: dict, event: dict, client: WebClient) -> None:
        if not events.first_time(body.get("event_id")):
            log.info("slack event %s already answered; ignoring the retry", body.get("event_id"))
            return
        channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
        text = MENTION.sub("", event.get("text") or "").strip()
        try:
            actor = caller(event["user"])
            thread = f"slack:{channel}:{thread_ts}"
            result = tessera.chat(actor.login, thread, text)
        except (UnknownCaller, PermissionError, ValueError, LookupError) as exc:
            log.info("slack message from %s refused: %s", event.get("user"), exc)
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=str(exc), blocks=refusal_blocks(str(exc)))
            return
        view = view_of(tessera, actor.login, thread, result)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=result.reply[:3000] or "done",
                                blocks=turn_blocks(view))
        for title, png in chart_pngs(view.charts):  # a chart says it better: attached as a PNG in the thread
            try:
                client.files_upload_v2(channel=channel, thread_ts=thread_ts, content=png, filename="chart.png",
                                       title=title)
            except SlackApiError as exc:
                log.warning("could not attach a chart in %s: %s", channel, exc)

    @app.event("app_mention")
    def on_mention(body, event, client):
        answer(body, event, client)

    @app.event("message")
    def on_message(body, event, client):
        # In channels Tessera answers only when mentioned (app_mention); direct messages always.
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            answer(body, event, client)

    @app.command(command)
    def on_command(ack, command, respond):
        ack(response_type="ephemeral", text="Working on it…")
        text = (command.get("text") or "").strip() or "help"
        try:
            actor = caller(command["user_id"])
            thread = f"slack:{command['channel_id']}:command"
            result = tessera.chat(actor.login, thread, text)
        except (UnknownCaller, PermissionError, ValueError, LookupError) as exc:
            log.info("slack command from %s refused: %s", command.get("user_id"), exc)
            respond(response_type="ephemeral", text=str(exc), blocks=refusal_blocks(str(exc)))
            return
        respond(response_type="ephemeral", text=result.reply[:3000] or "done",
                blocks=turn_blocks(view_of(tessera, actor.login, thread, result)))

    def decide(approved: bool):
        def handler(ack, body, action, client):
            ack()
            approval_id, user_id = action["value"], body["user"]["id"]
            channel, message = body["channel"]["id"], body.get("message") or {}
            thread_ts = message.get("thread_ts") or message.get("ts")

            def tell(text: str) -> None:
                client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts, text=text)

            if resume_approval is None:
                return tell("approvals are not connected on this Tessera yet")
            try:
                approver = caller(user_id)
            except UnknownCaller as exc:
                log.info("approval %s refused: %s", approval_id, exc)
                return tell(str(exc))
            if not decided.first_time(approval_id):
                return tell(f"approval {approval_id} was already decided")
            try:
                outcome = resume_approval(approval_id, approved, approver.login)
            except (PermissionError, LookupError, ValueError) as exc:
                log.info("approval %s by %s refused: %s", approval_id, approver.login, exc)
                decided.forget(approval_id)  # someone allowed may still decide it
                return tell(str(exc))
            summary = next((b["text"]["text"] for b in message.get("blocks", []) if b.get("type") == "section"), "")
            verdict = "approved" if approved else "rejected"
            client.chat_update(channel=channel, ts=message.get("ts"), text=f"{verdict} by {approver.login}",
                               blocks=decided_blocks(approval_id, approved, approver.login, summary))
            reply = getattr(outcome, "reply", outcome if isinstance(outcome, str) else None)
            if reply:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=reply[:3000])
        return handler

    app.action(APPROVE)(decide(True))
    app.action(REJECT)(decide(False))

    def tell_requester(resumed, requester: str) -> None:
        """A request decided in someone else's conversation (an approver's chat): its outcome goes to the Slack
        thread the requester asked in, or, asked by slash command, to the requester's direct messages."""
        _login, _, thread = resumed.thread_id.partition(":")
        kind, _, place = thread.partition(":")
        if kind != "slack" or not resumed.reply:
            return  # asked on another channel: that channel tells them
        channel, _, thread_ts = place.partition(":")
        if thread_ts == "command":  # an ephemeral slash-command answer has no thread to reply in
            with tessera.store.session() as s:
                channel, thread_ts = external_id_of(s, "slack", requester), None
            if channel is None:
                log.warning("%s has no Slack account linked; their request's outcome stays in their thread", requester)
                return
        app.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=resumed.reply[:3000])

    tessera.resumed_elsewhere["slack"] = tell_requester
    return app


def slack_router(slack_app: App, signing_secret: str, *, path: str = "/slack/events",
                 clock: Callable[[], float] = time.time) -> APIRouter:
    """The HTTP endpoint for Events, commands and interactivity: refuses forged, stale and replayed requests
    (and says why in the log) before bolt sees them."""
    verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))
    signatures = RecentKeys(ttl=2 * MAX_AGE_SECONDS)
    router = APIRouter(tags=["slack"])

    @router.post(path, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        reason = refusal(request.headers, body, verifier, signatures, clock())
        if reason:
            log.warning("refused Slack request from %s: %s", request.client.host if request.client else "?", reason)
            return Response(reason, status_code=401)
        if request.headers.get("x-slack-retry-num"):
            log.info("Slack retry %s (%s)", request.headers["x-slack-retry-num"],
                     request.headers.get("x-slack-retry-reason", "?"))
        bolt_response = await run_in_threadpool(slack_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    return router


def refusal(headers, body: bytes, verifier: SignatureVerifier, seen: RecentKeys, now: float) -> str | None:
    """Why a request must be refused, or None."""
    timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not timestamp or not signature:
        return "unsigned request (no X-Slack-Signature / X-Slack-Request-Timestamp)"
    try:
        age = now - int(timestamp)
    except ValueError:
        return "malformed timestamp"
    if abs(age) > MAX_AGE_SECONDS:
        return f"stale request: signed {int(age)} s ago (limit {MAX_AGE_SECONDS} s)"
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):  # constant-time compare
        return "bad signature"
    if not seen.first_time(signature):
        return "replayed request (this signature was already used)"
    return None


class _Clock:
    """slack_sdk's verifier asks its clock for `.now()`."""

    def __init__(self, now: Callable[[], float]):
        self.now = now


def run_socket_mode(slack_app: App, app_token: str) -> None:
    """Socket Mode instead of a public URL: Slack pushes over a websocket the app opens (blocks)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(slack_app, app_token).start()
