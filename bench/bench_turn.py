"""Benchmark: a whole chat turn on the offline model (supervisor, model, tool, model), with messages seen before
(embeddings memoised) and never seen before (one embedding each), beside the floor: the same LangGraph graph with a
fake model replaying the same replies, the same tools and the same kind of checkpointer, invoked bare. Also the
offline model call alone, in-process and through LiteLLM. On the demo company and on ten times it (`tessera seed
--scale 10`), to show how each figure grows. Usage: python -m bench.bench_turn [--rounds N] [--scales 1,10]."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one embedding thread, as the server runs it
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import select  # noqa: E402

from agents.graph import build_graph  # noqa: E402
from agents.routing import TRANSFER_PREFIX  # noqa: E402
from crm.models import Account  # noqa: E402
from memory.checkpoints import open_checkpointer  # noqa: E402
from tessera.cli_kit import track  # noqa: E402
from tessera.runtime import Tessera  # noqa: E402
from tessera.settings import Settings  # noqa: E402

MESSAGES = [
    ("li.wei", "show me the deals of Acme Robotics"),
    ("li.wei", "看一下北辰医疗器械的商机"),
    ("li.wei", "give me an overview of Acme Robotics"),
    ("li.wei", "log a call with Acme Robotics about the renewal"),
    ("zhao.lei", "what is the win rate by region"),
    ("zhao.lei", "上季度各区域的赢单率"),
    ("wang.fang", "谈判阶段的商机有哪些"),
    ("james.liu", "who are the contacts at Initech Retail"),
]
NOVEL = ["show me the deals of {a} {w}", "give me an overview of {a}, {w}", "who are the contacts at {a} {w}",
         "看一下{a}的商机，{w}", "{a}的联系人有哪些，{w}", "log a call with {a} about {w}"]
WORDS = ["please", "for the review", "before Friday", "this week", "for my notes", "quickly", "for the manager",
         "ahead of the visit", "谢谢", "今天", "尽快", "for the forecast"]


def novel_messages(rng: random.Random, accounts: list[str], n: int, used: set[str], templates: list[str] = NOVEL,
                   words: list[str] = WORDS) -> list[str]:
    """`n` requests never sent before in this process (`used`, which they join: what the offline model has read is
    remembered across stores), each a template, an account and a closing word drawn anew; no serial number, which
    the offline model read as a record's ("#3": deal D-3) and answered with an error, so those turns did less."""
    drawn: list[str] = []
    while len(drawn) < n:
        text = rng.choice(templates).format(a=rng.choice(accounts), w=rng.choice(words))
        if text not in used:
            used.add(text)
            drawn.append(text)
    return drawn


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Replay(BaseChatModel):
    """A fake model: answers each turn with the replies Tessera's offline model gave to the same message."""

    agent: str
    book: dict

    @property
    def _llm_type(self) -> str:
        return "replay"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        start = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        agent, replies = self.book[messages[start].content]
        if self.agent == "supervisor":
            reply = AIMessage("", tool_calls=[{"name": f"{TRANSFER_PREFIX}{agent}", "args": {}, "id": "route"}])
        else:
            reply = replies[sum(isinstance(m, AIMessage) for m in messages[start:])].model_copy(update={"id": None})
        return ChatResult(generations=[ChatGeneration(message=reply)])


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def time_model_call(n: int, through_litellm: bool) -> list[float]:
    """One completion of the sales agent's first call, with the sales toolset."""
    from llm import litellm_module
    from llm.factory import chat_model
    from tools.registry import toolset
    from tools.schema import openai_tool

    tools = [openai_tool(t) for t in toolset("sales")]
    text = "show me the deals of Acme Robotics in negotiation"
    if through_litellm:
        litellm = litellm_module()
        call = lambda: litellm.completion(model="tessera/offline", messages=[{"role": "user", "content": text}],  # noqa: E731
                                          tools=tools)
    else:
        bound = chat_model("tessera/offline").bind_tools(tools)
        call = lambda: bound.invoke([HumanMessage(text)])  # noqa: E731
    call()
    return [timed(call)[0] for _ in range(n)]


def seeded_at(data_dir: Path, factor: int) -> None:
    """The demo company `factor` times over in a SQLite store under `data_dir` (what `tessera seed --scale N` does)."""
    from bench.bench_metrics import seeded

    seeded(Settings(data_dir=data_dir).store_url, factor).engine.dispose()


def measure(rounds: int, factor: int, used: set[str]) -> dict:
    """Each figure of the table on a store of `factor` times the demo company: (wall, CPU) per turn; the messages
    never seen are none of `used`."""
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        seeded_at(Path(tmp), factor)  # seeded before the clock starts, at every scale alike
        started = time.perf_counter()
        tessera = Tessera(settings, clock=lambda: dt.datetime(2026, 11, 26, 10))
        setup_s = time.perf_counter() - started
        book = {}
        for login, message in MESSAGES:  # warm-up: embeds the tools' examples once; records the replies
            result = tessera.chat(login, "warm", message)
            values = tessera.graph.get_state(tessera.config(tessera.actor(login), "warm")).values
            start = max(i for i, m in enumerate(values["messages"]) if isinstance(m, HumanMessage))
            book[message] = (result.agent, [m for m in values["messages"][start:] if isinstance(m, AIMessage)])
        with tessera.store.session() as s:
            accounts = list(s.scalars(select(Account.name).where(Account.unit_id == tessera.actor("li.wei").unit_id)))

        repeated, unseen = [], []
        jobs = [(r, login, message) for r in range(rounds) for login, message in MESSAGES]
        for r, login, message in track(jobs, f"chat turns at {factor}x"):  # the bar goes to stderr
            repeated.append(timed(lambda: tessera.chat(login, f"bench-{r}", message)))
        for text in novel_messages(rng, accounts, len(jobs), used):
            unseen.append(timed(lambda: tessera.chat("li.wei", f"novel-{len(unseen) % 8}", text)))

        floor_saver, close_floor = open_checkpointer(str(Path(tmp) / "floor.db"))
        floor = build_graph(lambda agent: Replay(agent=agent, book=book), tessera._tool_context, floor_saver)
        bare = []
        for r, login, message in jobs:
            config = tessera.config(tessera.actor(login), f"floor-{r}")
            bare.append(timed(lambda: floor.invoke({"messages": [HumanMessage(message)]}, config)))
        close_floor()
        tessera.close()
    return {"setup_s": setup_s, "repeated": repeated, "unseen": unseen, "bare": bare, "turns": len(jobs)}


def main(rounds: int = 10, scales: tuple[int, ...] = (1, 10)) -> None:
    used: set[str] = set()
    runs = {factor: measure(rounds, factor, used) for factor in scales}
    model_direct, model_litellm = time_model_call(rounds * 5, False), time_model_call(rounds * 5, True)

    def med(rows, i):
        return statistics.median(r[i] for r in rows)

    def ms(wall: float, cpu: float | None = None) -> tuple[str, str]:
        return f"{wall:.1f} ms", "" if cpu is None else f"{cpu:.1f} ms"

    def times(rows: str):
        return lambda m: ms(med(m[rows], 0), med(m[rows], 1))

    def p90(rows: str):
        return lambda m: ms(percentile([r[0] for r in m[rows]], 0.9))

    def over_floor(m) -> tuple[str, str]:
        return tuple(f"{med(m['repeated'], i) / med(m['bare'], i):.2f}×" for i in (0, 1))

    figures = [  # (measure, its two cells (wall, CPU) on one run, the wall figure whose growth is shown, target)
        ("start on a seeded store (migrate, load)", lambda m: (f"{m['setup_s']:.2f} s", ""), lambda m: m["setup_s"], ""),
        ("turn, repeated message, median", times("repeated"), lambda m: med(m["repeated"], 0), "≤ 15 ms"),
        ("turn, repeated message, p90", p90("repeated"), lambda m: percentile([r[0] for r in m["repeated"]], 0.9), ""),
        ("turn, message never seen, median", times("unseen"), lambda m: med(m["unseen"], 0), "≤ 40 ms"),
        ("turn, message never seen, p90", p90("unseen"), lambda m: percentile([r[0] for r in m["unseen"]], 0.9), ""),
        ("floor: same graph, fake model, bare, median", times("bare"), lambda m: med(m["bare"], 0), ""),
        ("Tessera repeated ÷ floor", over_floor, None, "≤ 1.3×"),
    ]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"Chat turn on tessera/offline ({runs[scales[0]]['turns']} turns each, {os.cpu_count()} "
                        f"cores, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, load {load}); stores of "
                        f"{' and '.join(f'{f}x' for f in scales)} the demo company")
    table.add_column("measure")
    for factor in scales:
        table.add_column(f"{factor}x wall")
        table.add_column(f"{factor}x CPU")
    grows = len(scales) > 1
    if grows:
        table.add_column(f"{scales[-1]}x ÷ {scales[0]}x (wall)")
    table.add_column("target")
    for name, cells, value, target in figures:
        growth = ([f"{value(runs[scales[-1]]) / value(runs[scales[0]]):.2f}×" if value else ""] if grows else [])
        table.add_row(name, *[c for f in scales for c in cells(runs[f])], *growth, target)
    blank = ["" for _ in range(2 * len(scales) - 1 + grows)]
    table.add_row("offline model call alone, in-process, median", f"{statistics.median(model_direct):.1f} ms", *blank, "")
    table.add_row("offline model call alone, through LiteLLM, median", f"{statistics.median(model_litellm):.1f} ms",
                  *blank, "")
    Console(width=200).print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--scales", default="1,10", help="stores of these many times the demo company, e.g. 1,10")
    args = parser.parse_args()
    main(args.rounds, tuple(int(x) for x in args.scales.split(",")))
