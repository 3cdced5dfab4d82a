"""The plan and the result of moving a prompt's label, in the user's language: what runs before and after, and how
to take it back (moving the label again, which is what "roll back" does)."""
from __future__ import annotations

from tools.base import ToolContext

PLAN = {"en": "Point {prompt} {label} from {old} to v{new}{why}? {runs}",
        "zh": "把 {prompt} 提示词的 {label} 标签从 {old} 指向 v{new}{why}？{runs}"}
# Only production is what the agents run; another label (staging) marks a version to try out.
RUNS = {"en": "The {agent} agent runs v{new} from its next message.", "zh": "{agent} 智能体从下一条消息起使用 v{new}。"}
KEEPS = {"en": "What the {agent} agent runs does not change: it runs production.",
         "zh": "{agent} 智能体运行的版本不变：它运行的是生产版本（production）。"}
WHY = {"rollback": {"en": " (roll back)", "zh": "（回滚）"}, "promote": {"en": "", "zh": ""}}
UNDO = {"en": "move it back: 'roll back the {prompt} prompt' (or `tessera prompts rollback {prompt}`)",
        "zh": "可以再移回去：说“回滚{prompt}提示词”（或运行 `tessera prompts rollback {prompt}`）"}


def plan(ctx: ToolContext, moved: dict, agent: str, why: str) -> dict:
    lang = "zh" if ctx.actor.language == "zh" else "en"
    old = f"v{moved['from_version']}" if moved["from_version"] is not None else ("未设置" if lang == "zh" else "unset")
    runs = (RUNS if moved["label"] == "production" else KEEPS)[lang].format(agent=agent, new=moved["to_version"])
    summary = PLAN[lang].format(prompt=moved["prompt"], label=moved["label"], old=old, new=moved["to_version"],
                                why=WHY[why][lang], runs=runs)
    return {"summary": summary,
            "changes": [{"record": f"prompt {moved['prompt']}", "field": moved["label"], "old": old,
                         "new": f"v{moved['to_version']}"}],
            "affected": [f"the {agent} agent"] if moved["label"] == "production" else [],
            "undo": UNDO[lang].format(prompt=moved["prompt"])}


def result(ctx: ToolContext, moved: dict) -> dict:
    lang = "zh" if ctx.actor.language == "zh" else "en"
    old = f"v{moved['from_version']}" if moved["from_version"] is not None else "unset"
    return {"verdict": "moved", "values": {"prompt": moved["prompt"], "label": moved["label"], "old": old,
                                           "new": f"v{moved['to_version']}",
                                           "undo": UNDO[lang].format(prompt=moved["prompt"])}}
