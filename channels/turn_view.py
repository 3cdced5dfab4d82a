"""What a channel shows for one turn: the reply, the tables and record cards the tools returned, any approval asked."""
from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.messages import HumanMessage

from agents.tool_results import charts_in, tool_results
from tessera.runtime import Tessera, TurnResult

MAX_ROWS = 10


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[dict]
    total: int


@dataclass(frozen=True)
class Card:
    """One record (an account summary, the data held about a customer) shown as a card of fields."""

    title: str
    fields: dict
    lists: dict = field(default_factory=dict)  # e.g. open deals under the account: name -> rows


@dataclass(frozen=True)
class ApprovalRequest:
    """A paused action waiting for a person: rendered with Approve/Reject buttons in every channel."""

    approval_id: str
    title: str
    summary: str
    requested_by: str = ""
    details: dict = field(default_factory=dict)
    confirm: bool = False  # the user's own yes to a plan (Yes / Cancel), not someone else's approval


@dataclass(frozen=True)
class TurnView:
    turn_id: str
    agent: str
    reply: str
    tables: list[Table] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    approval: ApprovalRequest | None = None
    charts: list[dict] = field(default_factory=list)  # Vega-Lite specs the tools drew (query_metrics)


def view_of(tessera: Tessera, login: str, thread: str, result: TurnResult) -> TurnView:
    """Reads the turn's full tool results from the checkpointed thread (traces keep only a preview)."""
    tables, cards = [], []
    results = _last_turn_results(tessera, login, thread)
    for name, data in results:
        if data.get("items"):
            items = data["items"]
            shown = items if data.get("series") else items[:MAX_ROWS]  # a trend shows all its periods
            tables.append(Table(title=_title(name, data), columns=list(items[0]), rows=shown,
                                total=int(data.get("total") or len(items))))
        elif isinstance(data.get("record"), dict):
            lists = {k: v for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
            cards.append(Card(title=data.get("about") or name.replace("_", " "), fields=data["record"], lists=lists))
    return TurnView(turn_id=result.turn_id, agent=result.agent, reply=result.reply, tables=tables, cards=cards,
                    approval=confirmation_of(result) or approval_of(result), charts=charts_in(results))


def last_turn_charts(tessera: Tessera, login: str, thread: str, message: str) -> list[dict]:
    """The charts of the thread's latest turn, if that turn answered `message` (else none: a later turn ran). A
    turn's own result carries its charts (`TurnResult.charts`); this reads the thread for the others (a replayed
    answer, a trace's charts)."""
    config = tessera.config(tessera.actor(login), thread)
    messages = tessera.graph.get_state(config).values.get("messages", [])
    asked = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    if asked is None or str(asked.content).strip() != message.strip():
        return []
    return charts_in(_last_turn_results(tessera, login, thread))


def confirmation_of(result: object) -> ApprovalRequest | None:
    """A plan waiting for the user's own yes, shown with the approval buttons (the same paused-request mechanism:
    only the user who asked may press them)."""
    raw = getattr(result, "confirmation", None)
    if not raw:
        return None
    changes = [c for a in raw.get("actions", []) for c in a.get("plan", {}).get("changes", [])]
    details = {f"{c.get('record', '')} {c.get('field', c.get('what', ''))}".strip():
               f"{c.get('old')} → {c.get('new')}" if "field" in c else c.get("count") for c in changes[:8]}
    return ApprovalRequest(approval_id=str(raw["id"]), title=f"Confirm: {raw.get('tool', '').replace('_', ' ')}",
                           summary=raw.get("summary") or getattr(result, "reply", ""),
                           requested_by=str(getattr(result, "thread_id", "")).split(":", 1)[0], details=details,
                           confirm=True)


def approval_of(result: object) -> ApprovalRequest | None:
    """The approval a paused turn waits for: the runtime reports it as `result.approval = {"id", "payload"}`."""
    raw = getattr(result, "approval", None)
    if not raw or isinstance(raw, ApprovalRequest):
        return raw or None
    payload = raw.get("payload") or {}
    request = payload.get("request") or {}
    kind = str(payload.get("kind") or payload.get("type") or "request").replace("_", " ")
    details = {k: v for k, v in {**request, "approver": payload.get("approver"), "rule": payload.get("rule")}.items()
               if v not in (None, "", [], {})}
    return ApprovalRequest(approval_id=str(raw["id"]), title=f"Approval needed: {kind}",
                           summary="; ".join(payload.get("reasons") or []) or getattr(result, "reply", ""),
                           requested_by=str(getattr(result, "thread_id", "")).split(":", 1)[0], details=details)


def _last_turn_results(tessera: Tessera, login: str, thread: str) -> list[tuple[str, dict]]:
    config = tessera.config(tessera.actor(login), thread)
    messages = tessera.graph.get_state(config).values.get("messages", [])
    start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    return tool_results(messages[start + 1:])


def _title(name: str, data: dict) -> str:
    about = data.get("about") or ""
    if isinstance(about, dict):  # a list's filters ({"account": "Acme Robotics", "stage": "negotiation"}): their values
        about = ", ".join(str(v) for v in about.values() if isinstance(v, (str, int, float)) and v is not True and v)
    return f"{name.replace('_', ' ')} · {about}" if about else name.replace("_", " ")


def cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
