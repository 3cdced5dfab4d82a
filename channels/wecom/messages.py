"""WeCom message formats: callback XML in and out, and a turn rendered as markdown and template cards."""
from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from channels.turn_view import ApprovalRequest, Card, Table, TurnView, cell

APPROVE, REJECT = "approve", "reject"
MARKDOWN_LIMIT = 4000  # bytes WeCom accepts in a markdown message is 4096
SUBTITLE_LIMIT = 112  # characters WeCom advises for a text_notice card's sub_title_text
HEADLINE = {"deal": ("title", "stage", "amount", "expected_close"),
            "account": ("industry", "region", "city", "owner")}


class BadXml(ValueError):
    """The body is not a WeCom XML message."""


@dataclass(frozen=True)
class Incoming:
    """A decrypted callback: a message a user sent, or an event (a button pressed on a template card)."""

    to_user: str
    from_user: str
    create_time: str
    msg_type: str
    content: str = ""
    msg_id: str = ""
    agent_id: str = ""
    event: str = ""
    event_key: str = ""
    task_id: str = ""
    response_code: str = ""

    @property
    def dedupe_key(self) -> str:
        return self.msg_id or f"{self.from_user}:{self.create_time}:{self.event}:{self.event_key}"


def parse_xml(text: str) -> dict[str, str | ET.Element]:
    """The child elements of <xml>: text for leaves, the element for nested ones (<Button>). DTDs and entities are
    refused, so no entity expansion ever happens."""
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise BadXml("DTDs and entities are not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise BadXml(f"not XML: {exc}") from exc
    return {child.tag: (child.text or "").strip() if len(child) == 0 else child for child in root}


def parse_incoming(text: str) -> Incoming:
    f = parse_xml(text)
    return Incoming(to_user=f.get("ToUserName", ""), from_user=f.get("FromUserName", ""),
                    create_time=f.get("CreateTime", ""), msg_type=f.get("MsgType", ""),
                    content=f.get("Content", ""), msg_id=f.get("MsgId", ""), agent_id=f.get("AgentID", ""),
                    event=f.get("Event", ""), event_key=f.get("EventKey", ""), task_id=f.get("TaskId", ""),
                    response_code=f.get("ResponseCode", ""))


def cdata(value: str) -> str:
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def envelope(fields: dict) -> str:
    """The encrypted passive reply: <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>."""
    return (f"<xml><Encrypt>{cdata(fields['Encrypt'])}</Encrypt><MsgSignature>{cdata(fields['MsgSignature'])}"
            f"</MsgSignature><TimeStamp>{fields['TimeStamp']}</TimeStamp><Nonce>{cdata(fields['Nonce'])}</Nonce></xml>")


def text_reply(to_user: str, from_corp: str, content: str, now: float | None = None) -> str:
    """A passive text reply (plaintext XML, encrypted before it is sent)."""
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_corp)}</FromUserName>"
            f"<CreateTime>{int(now or time.time())}</CreateTime><MsgType>{cdata('text')}</MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")


def button_reply(to_user: str, from_corp: str, label: str, now: float | None = None) -> str:
    """A passive reply to a template-card button: the pressed card's buttons are replaced by `label`."""
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_corp)}</FromUserName>"
            f"<CreateTime>{int(now or time.time())}</CreateTime><MsgType>{cdata('update_button')}</MsgType>"
            f"<Button><ReplaceName>{cdata(label)}</ReplaceName></Button></xml>")


def turn_messages(view: TurnView) -> list[dict]:
    """What the message API sends for a turn: markdown for the reply and tables, a card per record, approvals."""
    parts = [table_markdown(t) for t in view.tables]
    if view.reply and not (view.tables or view.cards):
        parts.insert(0, view.reply)
    messages = [{"msgtype": "markdown", "markdown": {"content": clipped("\n\n".join(parts))}}] if parts else []
    for card in view.cards:
        messages.append({"msgtype": "template_card", "template_card": summary_card(card)})
        details = card_markdown(card)
        if details:
            messages.append({"msgtype": "markdown", "markdown": {"content": clipped(details)}})
    if view.approval:
        messages.append({"msgtype": "template_card", "template_card": approval_card(view.approval)})
    return messages or [{"msgtype": "text", "text": {"content": view.reply or "done"}}]


def clipped(text: str) -> str:
    """At most MARKDOWN_LIMIT bytes of UTF-8 (a Chinese character is three), cut at a character boundary."""
    return text.encode("utf-8")[:MARKDOWN_LIMIT].decode("utf-8", errors="ignore")


def table_markdown(table: Table) -> str:
    key = table.columns[0]
    shown = [c for c in HEADLINE.get(key, table.columns[1:5]) if c in table.columns]
    lines = [f"### {table.title}"]
    lines += [f"> **{cell(r.get(key))}** " + " · ".join(cell(r.get(c)) for c in shown) for r in table.rows]
    if table.total > len(table.rows):
        lines.append(f'<font color="comment">showing {len(table.rows)} of {table.total}</font>')
    return "\n".join(lines)


def summary_card(card: Card) -> dict:
    """A text_notice template card: the title, the card's first list of points (a prep card's talking points) as
    its subtitle, and up to six key fields (WeCom's limits); the lists follow as markdown (`card_markdown`)."""
    fields = [(k, v) for k, v in card.fields.items() if not isinstance(v, (dict, list))][:6]
    notice = {"card_type": "text_notice", "main_title": {"title": card.title[:26]},
              "horizontal_content_list": [{"keyname": k.replace("_", " ")[:20], "value": cell(v)[:30]}
                                          for k, v in fields],
              "card_action": {"type": 1, "url": "https://work.weixin.qq.com"}}
    points = next((v for v in card.fields.values() if isinstance(v, list) and v and isinstance(v[0], str)), None)
    if points:
        notice["sub_title_text"] = "\n".join(f"{i}. {p}" for i, p in enumerate(points, 1))[:SUBTITLE_LIMIT]
    return notice


def card_markdown(card: Card) -> str:
    """What a card holds beyond its key fields, as markdown: each list of points in full, then up to five rows of
    each list of records (who we meet, open deals, last interactions, cases) by their first four columns."""
    lines = []
    for name, values in card.fields.items():
        if isinstance(values, list) and values:
            lines.append(f"### {name.replace('_', ' ')}")
            lines += [f"{i}. {cell(v)}" for i, v in enumerate(values, 1)]
    for name, rows in card.lists.items():
        first = list(rows[0])[:4]
        lines.append(f"**{name.replace('_', ' ')}** ({len(rows)})")
        lines += ["> " + " · ".join(cell(r.get(c)) for c in first) for r in rows[:5]]
    return "\n".join(lines)


def approval_card(approval: ApprovalRequest) -> dict:
    """A button_interaction card whose buttons call back with `approve:<id>` / `reject:<id>`."""
    return {"card_type": "button_interaction", "task_id": task_id(approval.approval_id),
            "main_title": {"title": approval.title[:26], "desc": approval.summary[:60]},
            "horizontal_content_list": [{"keyname": k.replace("_", " ")[:20], "value": cell(v)[:30]}
                                        for k, v in list(approval.details.items())[:6]],
            "button_list": [{"text": "确认 Yes" if approval.confirm else "批准 Approve", "style": 1,
                             "key": f"{APPROVE}:{approval.approval_id}"},
                            {"text": "取消 Cancel" if approval.confirm else "驳回 Reject", "style": 2,
                             "key": f"{REJECT}:{approval.approval_id}"}]}


def task_id(approval_id: str) -> str:
    # task_id: at most 128 of letters, digits, _-@ and unique per card.
    return re.sub(r"[^A-Za-z0-9_\-@]", "_", f"approval-{approval_id}")[:128]
