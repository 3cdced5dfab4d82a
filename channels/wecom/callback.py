"""The WeCom callback URL: verifies and decrypts each request, maps the sender, answers through the message API."""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response

from channels.charts import chart_pngs
from channels.guards import RecentKeys
from channels.identities import UnknownCaller, actor_for, external_id_of
from channels.turn_view import view_of
from channels.wecom.client import WeComClient, WeComError
from channels.wecom.crypto import DecryptError, SignatureError, WeComCrypto
from channels.wecom.messages import (APPROVE, REJECT, BadXml, Incoming, button_reply, envelope, parse_incoming,
                                     parse_xml, text_reply, turn_messages)
from tessera.runtime import Tessera
from tessera.settings import WeComSettings

log = logging.getLogger("tessera.channels.wecom")
MAX_AGE_SECONDS = 300
ResumeApproval = Callable[[str, bool, str], object]


class Refused(Exception):
    """A request that must not be acted on; the reason is logged."""


def wecom_router(tessera: Tessera, settings: WeComSettings, *, client: WeComClient,
                 resume_approval: ResumeApproval | None = None, path: str = "/wecom/callback",
                 clock: Callable[[], float] = time.time) -> APIRouter:
    crypto = WeComCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)
    signatures, messages = RecentKeys(ttl=2 * MAX_AGE_SECONDS), RecentKeys(ttl=3600)
    router = APIRouter(tags=["wecom"])

    def fresh(timestamp: str) -> None:
        try:
            age = clock() - int(timestamp)
        except ValueError:
            raise Refused("malformed timestamp") from None
        if abs(age) > MAX_AGE_SECONDS:
            raise Refused(f"stale request: signed {int(age)} s ago (limit {MAX_AGE_SECONDS} s)")

    def refuse(request: Request, reason: object) -> Response:
        log.warning("refused WeCom callback from %s: %s", request.client.host if request.client else "?", reason)
        return Response(f"refused: {reason}", status_code=403, media_type="text/plain")

    @router.get(path, include_in_schema=False)
    def verify_url(request: Request, msg_signature: str = Query(""), timestamp: str = Query(""),
                   nonce: str = Query(""), echostr: str = Query("")) -> Response:
        """WeCom checks the URL when it is saved: answer with echostr's bare plaintext (within one second)."""
        try:
            fresh(timestamp)
            return Response(crypto.verify_url(msg_signature, timestamp, nonce, echostr), media_type="text/plain")
        except (Refused, SignatureError, DecryptError) as exc:
            return refuse(request, exc or type(exc).__name__)

    @router.post(path, include_in_schema=False)
    async def receive(request: Request, background: BackgroundTasks, msg_signature: str = Query(""),
                      timestamp: str = Query(""), nonce: str = Query("")) -> Response:
        try:
            fresh(timestamp)
            outer = parse_xml((await request.body()).decode("utf-8", errors="replace"))
            incoming = parse_incoming(crypto.decrypt_message(str(outer.get("Encrypt", "")), msg_signature,
                                                             timestamp, nonce))
            if not signatures.first_time(msg_signature):
                raise Refused("replayed request (this msg_signature was already used)")
        except (Refused, SignatureError, DecryptError, BadXml) as exc:
            return refuse(request, exc)
        if not messages.first_time(incoming.dedupe_key):
            log.info("WeCom message %s already handled; ignoring the retry", incoming.dedupe_key)
            return Response("", media_type="text/plain")
        try:
            with tessera.store.session() as s:
                actor = actor_for(s, "wecom", incoming.from_user)
        except UnknownCaller as exc:
            log.info("WeCom message refused: %s", exc)
            return passive(text_reply(incoming.from_user, settings.corp_id, str(exc)), nonce)
        if incoming.msg_type == "event" and incoming.event == "template_card_event":
            return decide(incoming, actor.login, background, nonce)
        if incoming.msg_type != "text":
            return passive(text_reply(incoming.from_user, settings.corp_id,
                                      "I read text messages only for now; please type your question."), nonce)
        background.add_task(answer, incoming, actor.login)
        return Response("", media_type="text/plain")  # the answer goes out through the message API

    def passive(reply_xml: str, nonce: str) -> Response:
        fields = crypto.encrypt_message(reply_xml, str(int(clock())), nonce or secrets.token_hex(8))
        return Response(envelope(fields), media_type="application/xml")

    def answer(incoming: Incoming, login: str) -> None:
        thread = f"wecom:{incoming.agent_id or settings.agent_id}"
        charts = []
        try:
            result = tessera.chat(login, thread, incoming.content)
            view = view_of(tessera, login, thread, result)
            outgoing, charts = turn_messages(view), view.charts
        except (PermissionError, ValueError, LookupError) as exc:
            outgoing = [{"msgtype": "text", "text": {"content": str(exc)}}]
        for message in outgoing:
            send(incoming.from_user, message)
        for _title, png in chart_pngs(charts):  # a chart says it better: sent as an image after the answer
            try:
                send(incoming.from_user, {"msgtype": "image", "image": {"media_id": client.upload_image(png)}})
            except (WeComError, OSError) as exc:
                log.error("could not upload a chart for %s: %s", incoming.from_user, exc)

    def send(to_user: str, message: dict) -> None:
        try:
            client.send(to_user, message)
        except (WeComError, OSError) as exc:
            log.error("could not deliver a WeCom message to %s: %s", to_user, exc)

    def decide(incoming: Incoming, login: str, background: BackgroundTasks, nonce: str) -> Response:
        verb, _, approval_id = incoming.event_key.partition(":")
        if verb not in (APPROVE, REJECT) or not approval_id or resume_approval is None:
            return passive(text_reply(incoming.from_user, settings.corp_id, "this button is not connected"), nonce)
        approved = verb == APPROVE
        try:
            outcome = resume_approval(approval_id, approved, login)
        except (PermissionError, LookupError, ValueError) as exc:
            log.info("WeCom approval %s by %s refused: %s", approval_id, login, exc)
            return passive(text_reply(incoming.from_user, settings.corp_id, str(exc)), nonce)
        reply = getattr(outcome, "reply", outcome if isinstance(outcome, str) else None)
        if reply:
            # The resumed conversation is the requester's: they hear the outcome, and so does the approver.
            requester = str(getattr(outcome, "thread_id", "")).split(":", 1)[0]
            with tessera.store.session() as s:
                to = external_id_of(s, "wecom", requester) if requester else None
            for user in dict.fromkeys(filter(None, [to, incoming.from_user])):
                background.add_task(send, user, {"msgtype": "text", "text": {"content": reply}})
        label = f"已批准 Approved · {login}" if approved else f"已驳回 Rejected · {login}"
        return passive(button_reply(incoming.from_user, settings.corp_id, label), nonce)

    def tell_requester(resumed, requester: str) -> None:
        """A request decided in someone else's conversation (an approver's chat): a requester who asked on WeCom
        hears the outcome there."""
        _login, _, thread = resumed.thread_id.partition(":")
        if not thread.startswith("wecom:") or not resumed.reply:
            return
        with tessera.store.session() as s:
            to = external_id_of(s, "wecom", requester)
        if to is None:
            log.warning("%s has no WeCom account linked; their request's outcome stays in their thread", requester)
            return
        send(to, {"msgtype": "text", "text": {"content": resumed.reply}})

    tessera.resumed_elsewhere["wecom"] = tell_requester
    return router
