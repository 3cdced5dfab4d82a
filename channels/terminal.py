"""The terminal chat: history kept per thread, replies printed with result tables and an on-demand trace."""
from __future__ import annotations

import json
import sys
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tessera.runtime import Tessera, TurnResult

HELP = "Type a message. Commands: /trace (why the last answer), /quit."


def result_tables(tessera: Tessera, turn_id: str) -> list[Table]:
    """A table for every list a tool returned this turn."""
    trace = tessera.traces.get(turn_id)
    tables = []
    for step in trace.steps if trace else []:
        if step["type"] != "tool":
            continue
        try:
            result = json.loads(step["result"])
        except json.JSONDecodeError:
            continue  # a long result was cut in the trace; the reply already carries it
        items = result.get("items") or []
        if items:
            table = Table(title=f"{step['name']} · {result.get('about') or ''}".strip(" ·"), show_lines=False)
            for column in items[0]:
                table.add_column(str(column))
            for item in items[:25]:
                table.add_row(*[str(item.get(c, "")) for c in items[0]])
            tables.append(table)
    return tables


def show_trace(console: Console, tessera: Tessera, turn: TurnResult) -> None:
    for line in trace_lines(tessera.traces.get(turn.turn_id)):
        console.print(line, markup=False, highlight=False)


def trace_lines(trace) -> list[str]:
    """A turn's trace as lines: the agent and why, each model call with its reason, each tool with its result."""
    lines = [f"turn {trace.id} agent={trace.agent} ({trace.route_reason}) {trace.duration_ms} ms"]
    for step in trace.steps:
        if step["type"] == "model":
            lines.append(f"  model {step['model']}: {step['reason'][:300]}")
            lines += [f"    → {c['name']}({json.dumps(c['args'], ensure_ascii=False)})" for c in step["tool_calls"]]
        else:
            lines.append(f"  tool {step['name']} [{step['status']}] {step['ms']} ms: {step['result'][:200]}")
    return lines


def run_chat(tessera: Tessera, login: str, thread: str, stdin: TextIO = sys.stdin, console: Console | None = None) -> int:
    console = console or Console()
    actor = tessera.actor(login)
    console.print(f"Tessera · signed in as [bold]{actor.login}[/] ({actor.role}) · thread {thread}. {HELP}")
    last: TurnResult | None = None
    for line in _lines(stdin, console):
        message = line.strip()
        if not message:
            continue
        if message in ("/quit", "/exit"):
            break
        if message == "/trace":
            show_trace(console, tessera, last) if last else console.print("no turn yet")
            continue
        try:
            last = tessera.chat(login, thread, message)
        except ValueError as exc:
            console.print(f"[red]{exc}[/]")
            continue
        console.print(f"[cyan]tessera[/] ({last.agent}): {escape(last.reply)}")
        for table in result_tables(tessera, last.turn_id):
            console.print(table)
    return 0


def _lines(stdin: TextIO, console: Console):
    """Prompted input at a terminal; plain lines when piped."""
    if not stdin.isatty():
        yield from stdin
        return
    while True:
        try:
            yield console.input("[bold]> [/]")
        except EOFError:
            return
