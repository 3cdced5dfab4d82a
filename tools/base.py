"""The tool contract: a pydantic argument schema, a docstring the model reads, example utterances, a domain call.

Slot hints for models live in each argument's JSON schema: `x-entity` names the store gazetteer a value is
matched against (account, contact, product, user, deal) and `x-slot` names a value extractor (amount,
percent, period, date, free_text, integer; reason: only what follows 'because', '因为'). Any LLM sees them as plain schema; the offline model uses them.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from crm.actor import AccessDenied, Actor, Ambiguous, NotFound
from crm.services import undo
from crm.store import Store

EXAMPLES_HEADER = "Examples:"


def entity(kind: str, description: str, default: Any = ..., **kw: Any) -> Any:
    """An argument naming a record of the store (matched against the `kind` gazetteer)."""
    return Field(default, description=description, json_schema_extra={"x-entity": kind}, **kw)


def slot(kind: str, description: str, default: Any = ..., **kw: Any) -> Any:
    """An argument filled by a value extractor (amount, percent, period, date, free_text, integer)."""
    return Field(default, description=description, json_schema_extra={"x-slot": kind}, **kw)


@dataclass
class ToolContext:
    """What a tool body needs: the store, the acting user and a clock (and the vector memory, when there is one)."""

    store: Store
    actor: Actor
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now())
    notes: Any = None  # memory.note_index.NoteIndex: semantic search over activity notes and cases
    erasures: Any = None  # tessera.erasure_jobs.ErasureJobs: plans erasures and carries out those asked in chat
    scores: Any = None  # tessera.deal_scores.DealScores: win probabilities of open deals, each explained
    approvals: Any = None  # tessera.approval_desk.ApprovalDesk: what waits for the actor's decision, decided in chat
    writer: Any = None  # llm.drafting.DraftWriter when an LLM writes drafts; None: the templates compose them
    turn_id: str = ""  # the turn a write belongs to: undo takes back a turn's writes together

    @property
    def today(self) -> dt.date:
        return self.clock().date()


@dataclass
class ToolSpec:
    name: str
    summary: str
    args: type[BaseModel]
    run: Callable[[ToolContext, Any], dict]
    examples: list[str] = field(default_factory=list)
    writes: bool = False
    # Plan, confirm, act: for an irreversible tool, a side-effect-free function returning the plan shown before
    # anything is written ({"summary", "changes", "affected", "undo"}), or None when these arguments need no
    # confirmation (a deal moved between open stages); the tool runs only on the user's explicit yes
    # (agents/confirmation.py). Expected failures raise as in `run` and are the call's result.
    confirm: Callable[[ToolContext, Any], dict] | None = None
    undoable: bool = True  # False: undo may not take this write back (the undo tool itself)
    # For a write that needs no confirmation on its own: its plan in the user's words ({"summary", "changes", …}),
    # shown when it is confirmed together with other writes or was asked for in words that are no request. Reads only.
    describe: Callable[[ToolContext, Any], dict] | None = None

    @property
    def description(self) -> str:
        """The text a model reads: what the tool does, then example requests (parsed by the offline model)."""
        lines = [self.summary.strip(), "", EXAMPLES_HEADER, *[f"- {e}" for e in self.examples]]
        return "\n".join(lines)

    def invoke(self, ctx: ToolContext, raw_args: dict) -> dict:
        """Validate the arguments and call the domain; expected failures come back as clear error results.

        A write says what it wrote (`written`: record, field, old → new) and goes on its user's undo log; where undo
        may restore it (no confirmation was needed for it) the result carries `undo` with the entry's id."""
        if not self.writes:
            return self._call(self.run, ctx, raw_args)
        reversible = self.undoable and self.plan(ctx, raw_args).get("plan", True) is None  # confirmed: not undone
        with undo.capture() as written:
            result = self._call(self.run, ctx, raw_args)
        if result["ok"] and (written.changes or not reversible):  # an irreversible write blocks undo past it
            with ctx.store.session() as s:
                entry = undo.record(s, ctx.actor, turn_id=ctx.turn_id, tool=self.name, written=written,
                                    reversible=reversible, now=ctx.clock())
                if written.changes:
                    result["written"] = written.report()
                if entry.reversible:
                    result["undo"] = {"id": entry.id, "how": "say 'undo' (撤销), or POST /v1/undo"}
        return result

    def plan(self, ctx: ToolContext, raw_args: dict) -> dict:
        """The confirmation plan for these arguments: {"ok": True, "plan": dict | None}, or the error result that
        the call itself would give (then nothing is asked and nothing runs)."""
        if self.confirm is None:
            return {"ok": True, "plan": None}
        return self._call(lambda ctx, args: {"plan": self.confirm(ctx, args)}, ctx, raw_args)

    def described(self, ctx: ToolContext, raw_args: dict) -> dict | None:
        """The `describe` plan for these arguments, or None (no describe, or the call would fail: it says why)."""
        if self.describe is None:
            return None
        found = self._call(lambda ctx, args: {"plan": self.describe(ctx, args)}, ctx, raw_args)
        return found.get("plan") if found["ok"] else None

    def _call(self, body: Callable[[ToolContext, Any], dict], ctx: ToolContext, raw_args: dict) -> dict:
        try:
            args = self.args.model_validate(raw_args)
        except Exception as exc:  # pydantic.ValidationError: tell the model what was wrong
            fields = sorted({str(e["loc"][0]) for e in _errors(exc) if e.get("loc")})
            return {"ok": False, "error": f"invalid arguments for {self.name}: {_short(exc)}",
                    "error_kind": "invalid_arguments", "error_details": {"tool": self.name, "fields": fields}}
        try:
            result = body(ctx, args)
        except Ambiguous as exc:
            return {"ok": False, "error": str(exc), "candidates": exc.candidates, **error_kind(exc)}
        except (NotFound, AccessDenied, ValueError) as exc:
            return {"ok": False, "error": str(exc), **error_kind(exc)}
        return {"ok": True, **result}


def error_kind(exc: Exception) -> dict:
    """The failure's kind and details (crm.actor.Explained), for a reply written in the user's language."""
    kind = getattr(exc, "kind", None)
    return {"error_kind": kind, "error_details": getattr(exc, "details", {})} if kind else {}


def _errors(exc: Exception) -> list[dict]:
    errors = getattr(exc, "errors", None)
    return errors() if callable(errors) else []


def _short(exc: Exception) -> str:
    errors = _errors(exc)
    if errors:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return str(exc)


def dumps(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, default=str)
