"""Replies that call no tool: clarifying questions, greetings and the list of what the model can do."""
from __future__ import annotations

import re

from llm.offline.lexicon import Match
from llm.offline.offer import Offer
from llm.offline.replies import label, label_of_tool, template
from llm.offline.schema import Param, ToolView
from llm.offline.text import language_of


# Leads that answer "what can you do?" list everything; the others ("I can't do that yet…") say what the user may
# do instead, so a long list (a rep's, a manager's) shows the first few of the user's tools, in their role's order,
# and says how to see the rest; a short one (a customer's) is shown whole.
WHOLE_LIST_LEADS = frozenset({"greeting", "thanks"})
SHORT_LIST, LONG_LIST = 8, 12


def capabilities(views: list[ToolView], lang: str, lead: str = "not_understood", offer: Offer | None = None,
                 **words: str) -> str:
    """A lead line, then one line per tool: its summary and an example in the user's language. With the user's own
    `offer` (their role's tools and what they do outside the chat), that list rather than this agent's tools. Only
    a greeting or "what can you do?" gets every tool; a refusal of a long list the first SHORT_LIST and a line on
    the rest."""
    if offer is not None and (offer.tools or offer.notes):
        views = list(offer.tools)
    if not views and not (offer and offer.notes):
        return template("questions", "no_tools", lang)
    lines = [template("questions", lead, lang).format(**words) if words else template("questions", lead, lang)]
    for note in (offer.notes if offer else ()):
        lines.append(f"- {note.get(lang) or note.get('en', '')}")
    shown = views if lead in WHOLE_LIST_LEADS or len(views) <= LONG_LIST else views[:SHORT_LIST]
    for v in shown:
        example = next((e for e in v.examples if language_of(e) == lang), v.examples[0] if v.examples else "")
        tail = " — " + template("questions", "example", lang).format(example=example) if example else ""
        lines.append(f"- {tool_name(v, lang) if lang == 'zh' else _sentence(v.summary)}{tail}")
    if len(shown) < len(views):
        lines.append(template("questions", "more_tools", lang).format(count=len(views) - len(shown)))
    return "\n".join(lines)


def explain(view: ToolView, mood: str, lang: str) -> str:
    """A question or a what-if about an action: what the action does, and that nothing was done."""
    summary = tool_name(view, lang)
    fallback = view.examples[0] if view.examples else ""
    example = next((e for e in view.examples if language_of(e) == lang), fallback)
    key = {"hypothetical": "explain_hypothetical", "prohibition": "explain_prohibition"}.get(mood, "explain_question")
    return template("questions", key, lang).format(summary=summary, example=example)


def tool_name(view: ToolView, lang: str) -> str:
    """What a tool does, in the user's language (Chinese names live in replies.yaml; summaries are English)."""
    if lang == "zh":  # a tool without a Chinese name is shown by a Chinese example, never in English
        example = next((e for e in view.examples if language_of(e) == "zh"), None)
        return label_of_tool(view.name) or (f"“{example}”" if example else _sentence(view.summary))
    return _sentence(view.summary, lower=True)


def ask_missing(params: list[Param], lang: str) -> str:
    if len(params) == 1:
        p = params[0]
        name = label(p.entity or p.slot or p.name, lang) if lang == "zh" else _english_label(p)
        described = p.description and lang != "zh"  # descriptions are English: a Chinese question goes without
        key = "missing_text" if p.slot == "free_text" else ("missing_one" if described else "missing_one_plain")
        if key == "missing_text" and lang == "zh":
            return template("questions", "missing_text", lang).replace("（{description}）", "").format(label=name)
        return template("questions", key, lang).format(label=name, description=_sentence(p.description, end=""))
    items = [(label(p.entity or p.slot or p.name, lang) if lang == "zh" else _english_label(p))
             + (f" ({_sentence(p.description, end='')})" if p.description and lang != "zh" else "") for p in params]
    return template("questions", "missing_many", lang).format(items="；".join(items) if lang == "zh" else "; ".join(items))


def others_data(lang: str) -> str:
    """Another person's data asked for where the tools act on the caller's own only."""
    return template("questions", "others_data", lang)


def claims_staff(lang: str) -> str:
    """A customer saying they are staff ("I'm actually the admin"): who they are comes from the login."""
    return template("questions", "claims_staff", lang)


def ask_intent(options: list[ToolView], lang: str) -> str:
    words = [f"({i}) {tool_name(v, lang)}" for i, v in enumerate(options, 1)]
    joined = template("questions", "or", lang).join(words)
    return template("questions", "which_intent", lang).format(options=joined)


def ask_entity(param: Param, match: Match, lang: str) -> str:
    name = label(param.entity or param.name, lang) if lang == "zh" else (param.entity or param.label)
    shown = match.labels or match.candidates
    if lang == "zh":  # stage words in deal labels ("(proposal)") in Chinese
        shown = tuple(re.sub(r"\((\w+)\)$", lambda m: f"（{label(m.group(1), 'zh')}）", c) for c in shown)
    options = template("questions", "or", lang).join(f"({i}) {c}" for i, c in enumerate(shown, 1))
    return template("questions", "which_entity", lang).format(mention=match.text, label=name, options=options)


def _english_label(p: Param) -> str:
    return label(p.entity, "en") if p.entity and p.entity != p.name else p.label


def _sentence(text: str, end: str = "", lower: bool = False) -> str:
    text = re.sub(r"\s+", " ", text or "").strip().rstrip(".。")
    if lower and text[:1].isupper() and not text[1:2].isupper():
        text = text[0].lower() + text[1:]
    return text + end
