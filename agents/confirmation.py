"""Plan, confirm, act: before a tool that cannot be undone runs, the graph pauses with the plan until the user says yes.

The pause is a LangGraph interrupt, the mechanism approvals use (memory/approvals.py records it with
`kind: "confirm"`, so only the requester may decide it). It is asked once per tool step, before any call of the
step runs: on resume LangGraph runs the step again from its start, and nothing has been written before the pause.
A step with more than one write is a bulk change and is confirmed as a whole.

Only a request may write (crm/mood.py). Whatever model chose the call, a write asked for in a question, a what-if or
a rule in words or a prohibition ("what happens if I delete my account?", "谁能看到我的电话号码", "don't log this") is not carried out: it waits for the
same explicit yes, its plan saying that the message read as a question and nothing was done.
"""
from __future__ import annotations

import re

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.types import interrupt

from crm.language import language_of as message_language
from crm.mood import Mood, mood_of, names_an_action
from tools.base import ToolContext, ToolSpec

KIND = "confirm"
CANCELLED = {"en": "Cancelled: nothing was changed.", "zh": "已取消，没有做任何更改。"}
NOT_CONFIRMED = "the user did not confirm this, so it was not done and nothing was written; do not claim it was done"
# The plan of a write asked for in words that do not ask for it: what the model read, and that nothing was done.
NOT_A_REQUEST = {
    "en": {"question": "That reads as a question, so nothing was written.",
           "hypothetical": "You asked what would happen, so nothing was written.",
           "rule": "That describes a rule, which I cannot set up, so nothing was written.",
           "prohibition": "You said not to do it, so nothing was written."},
    "zh": {"question": "这听起来是一个问题，所以没有写入任何内容。",
           "hypothetical": "您问的是假设的情况，所以没有写入任何内容。",
           "rule": "这是在描述一条规则，我还不能设置规则，所以没有写入任何内容。",
           "prohibition": "您说了不要这样做，所以没有写入任何内容。"},
}
DO_IT_ANYWAY = {"en": "Do you want me to do it now: {what}?", "zh": "要我现在执行吗：{what}？"}


def language_of(messages: list, fallback: str) -> str:
    """The language of the user's latest message (the plan and its question are wholly in it)."""
    last = next((m.content for m in reversed(messages) if isinstance(m, HumanMessage)), "")
    if not isinstance(last, str) or not last.strip():
        return fallback
    return message_language(last, fallback)


def user_mood(messages: list) -> Mood:
    """How the user's latest message is meant; a turn without one (a resumed approval) is a request. A message that
    answers our clarifying question ("the first one" after "which deal?") keeps the mood of the message the question
    was about: "should I log the Acme call?" → "which account?" → "Acme Robotics" is still a question."""
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if not humans or not isinstance(messages[humans[-1]].content, str):
        return Mood.REQUEST
    last = humans[-1]
    mood = mood_of(messages[last].content)
    if (mood is not Mood.REQUEST or len(humans) < 2 or not _asks_back(messages[last - 1])
            or names_an_action(messages[last].content)):  # "log it with Acme then": a request of its own
        return mood
    earlier = messages[humans[-2]].content
    return mood_of(earlier) if isinstance(earlier, str) else mood


def _asks_back(message) -> bool:
    """Whether `message` is our own question to the user (no tool called, ending in a question mark)."""
    return (isinstance(message, AIMessage) and not message.tool_calls and isinstance(message.content, str)
            and message.content.rstrip().endswith(("?", "？")))


def plans_for(specs: dict[str, ToolSpec], ctx: ToolContext, calls: list[dict],
              mood: Mood = Mood.REQUEST) -> tuple[list[dict], dict[str, dict]]:
    """The actions of this step that need a yes, and the error results of calls whose plan failed (those never run).

    A step with several writes is a bulk change: each write is listed, with its plan or its arguments. A write in a
    turn whose message is no request (`mood`) always needs the yes. `ctx.actor` speaks the language the plan is
    written in."""
    actions, failed = [], {}
    writes = [c for c in calls if c["name"] in specs and specs[c["name"]].writes]
    for call in calls:
        spec = specs.get(call["name"])
        if spec is None:
            continue
        planned = spec.plan(ctx, call["args"])
        if not planned["ok"]:
            failed[call["id"]] = planned
            continue
        plan = planned["plan"]
        if plan is None and spec.writes and (len(writes) > 1 or not mood.may_write):
            plan = spec.described(ctx, call["args"])  # "Correct your phone (…)": a sentence, not the call's words
        if plan is None and spec.writes and len(writes) > 1:
            plan = {"summary": _call_words(spec, call["args"], ctx.actor.language), "changes": [], "affected": [],
                    "undo": "possible" if spec.confirm is None else None}
        if spec.writes and not mood.may_write:
            plan = not_a_request(spec, call["args"], plan, mood, ctx.actor.language)
        if plan is not None:
            actions.append({"call_id": call["id"], "tool": call["name"], "args": call["args"], "plan": plan})
    return actions, failed


def not_a_request(spec: ToolSpec, args: dict, plan: dict | None, mood: Mood, language: str) -> dict:
    """The plan shown for a write the message did not ask for: that nothing was done, then the tool's own plan (or
    the call itself) and whether to do it now."""
    lang = language if language in NOT_A_REQUEST else "en"
    lead = NOT_A_REQUEST[lang][mood.value]
    what = plan["summary"] if plan and plan.get("summary") else _call_words(spec, args, lang)
    base = plan or {"changes": [], "affected": [], "undo": "possible" if spec.undoable else None}
    return {**base, "summary": f"{lead} {DO_IT_ANYWAY[lang].format(what=what.rstrip('.。?？'))}", "asked_as": mood.value}


def _call_words(spec: ToolSpec, args: dict, lang: str) -> str:
    """The call in words: "open_case (account: Acme Robotics)"; in Chinese by the tool's Chinese example and the
    values alone (tool and argument names are English)."""
    values = {k: v for k, v in args.items() if v not in (None, "", [], {})}
    if lang == "zh":
        example = next((e for e in spec.examples if message_language(e, "en") == "zh"), None)
        what = f"“{example}”这类操作" if example else "这项写入"
        return what + (f"（{'，'.join(str(v) for v in values.values())}）" if values else "")
    return spec.name + (f" ({', '.join(f'{k}: {v}' for k, v in values.items())})" if values else "")


def ask(ctx: ToolContext, actions: list[dict]) -> bool:
    """Pauses the graph with the plan; True only on the user's explicit yes (resumed with {"approved": True})."""
    bulk = len(actions) > 1
    summary = "\n".join(a["plan"].get("summary", "") for a in actions)
    payload = {"kind": KIND, "requested_by": ctx.actor.login, "language": ctx.actor.language, "bulk": bulk,
               "summary": summary, "actions": actions}
    decision = interrupt(payload)
    return bool(isinstance(decision, dict) and decision.get("approved"))


def cancelled_reply(ctx: ToolContext) -> AIMessage:
    return AIMessage(content=CANCELLED.get(ctx.actor.language, CANCELLED["en"]))


def confirmation_view(payload: dict, interrupt_id: str) -> dict:
    """What a turn reports while it waits for the yes: the first action's tool and plan, and all of them."""
    actions = payload.get("actions") or [{}]
    return {"id": interrupt_id, "tool": actions[0].get("tool"), "args": actions[0].get("args", {}),
            "plan": actions[0].get("plan", {}), "actions": actions, "bulk": bool(payload.get("bulk")),
            "summary": payload.get("summary", "")}


def prompt_text(payload: dict) -> str:
    """The reply that shows the plan and says how to confirm, in the user's language."""
    lines = [payload.get("summary", "").strip()]
    for action in payload.get("actions", []):
        for change in action.get("plan", {}).get("changes", [])[:10]:
            if "field" in change:
                lines.append(f"- {change.get('record', '')} {change['field']}: {change.get('old')} → {change.get('new')}")
            elif "what" in change:
                lines.append(f"- {change['what']}: {change.get('count', '')}")
    if payload.get("language") == "zh":
        lines.append("回复“确认”或“是的”执行；回复其他内容则取消。")
    else:
        lines.append("Reply 'yes' to go ahead; anything else cancels.")
    return "\n".join(line for line in lines if line)
