"""Tool: create a task or reminder ("remind me to call Mark Taylor next Tuesday"); it fires once when due."""
from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field

from crm.tasks.service import create_task
from tools.base import ToolContext, ToolSpec, entity, slot

# Words that ask for the reminder rather than say what to do: left out of the task's title ("I need a task to send
# Mark Taylor the pricing sheet" is titled "send Mark Taylor the pricing sheet", "帮我建个任务：给王芳打电话" 给王芳打电话).
_POLITE = r"(?:(?:please|pls|kindly)\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
_A_TASK = r"(?:a|an|one)?\s*(?:new\s+)?(?:follow-?up\s+)?(?:task|reminder|to-?do|todo)(?![\w-])"
_THAT = r"(?:to|about|for|that\s+says|saying|[:：-])"
ASKING = re.compile(
    rf"^\s*{_POLITE}(?:(?:i|we)\s+(?:need|want|would\s+like|'d\s+like)|need|make|set(?:\s+up)?|add|create|put\s+in|"
    rf"give|get|open|schedule)\s+(?:me\s+|us\s+)?{_A_TASK}\s*{_THAT}?\s*"
    rf"|^\s*{_A_TASK}\s*{_THAT}\s*"
    rf"|^\s*{_POLITE}(?:remind\s+(?:me|us)\s+(?:to|about)|set\s+a\s+reminder\s+to|remind\s+(?:me|us)"
    r"|don'?t\s+let\s+me\s+forget\s+to|make\s+sure\s+i|remember\s+to|to(?=\s))\s*"
    r"|^\s*(?:提醒我|记得提醒我|帮我?记一下|别忘了(?:提醒我)?|我(?:需要|要|想要)(?:一)?(?:个|条)?(?:任务|提醒|待办)\s*[:：，,]?)\s*"
    r"|^\s*(?:请|麻烦)?(?:你)?(?:帮我|给我|替我)?(?:建|新建|创建|加|添加|设|设置|定|记|开|弄)(?:一)?(?:个|条)?"
    r"(?:任务|提醒|待办)\s*[:：，,]?\s*"
    r"|^\s*(?:添加任务|新建任务|任务|提醒|待办)\s*[:：]\s*",
    re.IGNORECASE)
CLOCK_EN = re.compile(r"(?:\bat\s+)?\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|(?:\bat\s+)?\b(\d{1,2}):(\d{2})\b", re.IGNORECASE)
CLOCK_ZH = re.compile(r"(上午|早上|中午|下午|午|晚上)?\s*(\d{1,2})\s*(?:[点时]|[:：])(半|\d{1,2}分?)?")


class CreateTaskArgs(BaseModel):
    what: str | None = slot("free_text", "what to do, e.g. 'send the revised quote', '发报价'", None)
    day: dt.date | None = slot("date", "the day it is due, e.g. 'next Tuesday', '明天', '2026-12-03'", None)
    at: str | None = Field(None, description="time of day, e.g. '15:00' or '3pm' (default 09:00)")
    contact: str | None = entity("contact", "the person it is about", None)
    account: str | None = entity("account", "the account it is about", None)
    deal: str | None = Field(None, description="the deal it is about, by id (D-2056) or words of its title")


def clock_in(text: str) -> tuple[str | None, str]:
    """A time of day written in the text ("3pm", "15:30", "下午3点") as HH:MM, and the text without it."""
    if m := CLOCK_EN.search(text):
        hour, minute = int(m.group(1) or m.group(4)), int(m.group(2) or m.group(5) or 0)
        hour += 12 if (m.group(3) or "").lower() == "pm" and hour < 12 else 0
    elif m := CLOCK_ZH.search(text):
        hour, extra = int(m.group(2)), m.group(3) or ""
        minute = 30 if extra == "半" else int(extra.rstrip("分") or 0)
        hour += 12 if m.group(1) in ("下午", "午", "晚上") and hour < 12 else 0
    else:
        return None, text
    return f"{hour:02d}:{minute:02d}", (text[:m.start()] + " " + text[m.end():]).strip()


def run(ctx: ToolContext, args: CreateTaskArgs) -> dict:
    at, text = (args.at, args.what or "") if args.at else clock_in(args.what or "")
    title = ASKING.sub("", text).strip(" ,.，。")
    with ctx.store.session() as s:
        return create_task(s, ctx.actor, title=title, now=ctx.clock(), day=args.day, at=at, 
                           account=args.account, deal=args.deal, contact=args.contact)


TOOL = ToolSpec(
    name="create_task",
    summary="Create a task or reminder for yourself, due on a day (and time), optionally about a contact, account "
            "or deal. The reminder is sent to you once, when it is due, on Slack or WeCom.",
    args=CreateTaskArgs,
    run=run,
    writes=True,
    examples=[
        "remind me next Tuesday to get back to Mark Taylor",
        "remind me tomorrow at 3pm to send the quote to Acme Robotics",
        "add a task: chase Globex Logistics for the signed contract on Friday",
        "create a reminder to follow up with Initech Retail",
        "提醒我下周二给王总打电话",
        "明天下午3点提醒我给北辰医疗器械发报价",
        "添加一个任务：周五催华信回签合同",
        "新建提醒：跟进星河科技的方案",
    ],
)
