"""Manager questions graded on the answer: the reply must state the number (and the name) that hand-written SQL
computes on the same store at eval time. Questions live in evals/answers/dev.yaml (tuned on) and test.yaml (held out)."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from crm.data_files import read_yaml
from crm.metrics import default_catalog
from crm.metrics.answer import fmt
from tessera.runtime import Tessera
from tessera.settings import AgentModels, Settings

QUESTIONS = Path(__file__).resolve().parent / "answers"
CANNOT = ("I can't do that", "我做不到", "我还做不了")  # the tool's refusal and the fallback "这个我还做不了"
MACROS = {
    "D": "FROM deals d JOIN sales_units u ON u.id = d.unit_id",
    "DU": "FROM deals d JOIN sales_units u ON u.id = d.unit_id JOIN users us ON us.id = d.owner_id",
    "O": "FROM orders o JOIN deals d ON d.id = o.deal_id JOIN sales_units u ON u.id = d.unit_id",
    "P": "FROM payments p JOIN orders o ON o.id = p.order_id JOIN deals d ON d.id = o.deal_id "
         "JOIN sales_units u ON u.id = d.unit_id",
    "A": "FROM activities a JOIN accounts ac ON ac.id = a.account_id JOIN sales_units u ON u.id = ac.unit_id",
    "C": "FROM cases c JOIN accounts ac ON ac.id = c.account_id JOIN sales_units u ON u.id = ac.unit_id",
    "AOK": "(a.contact_id IS NULL OR a.contact_id IN (SELECT contact_id FROM privacy_consents WHERE "
           "purpose = 'analytics.reporting' AND category = 'user.behavior' AND granted = 1))",
    "COK": "(c.contact_id IS NULL OR c.contact_id IN (SELECT contact_id FROM privacy_consents WHERE "
           "purpose = 'analytics.reporting' AND category = 'user.behavior' AND granted = 1))",
    "OPEN": "('lead', 'qualified', 'proposal', 'negotiation')",
}


@dataclass
class AnswerResult:
    id: int
    split: str
    language: str
    question: str
    right: bool
    expected: str
    reply_head: str
    tools: list[str] = field(default_factory=list)


def load_questions(split: str | None = None) -> list[dict]:
    questions = []
    for path in sorted(QUESTIONS.glob("*.yaml")):
        for q in read_yaml(path) or []:
            q["split"] = path.stem  # dev.yaml: tuned on; test.yaml: held out
            q["language"] = "zh" if re.search(r"[\u4e00-\u9fff]", q["question"]) else "en"
            if split in (None, q["split"]):
                questions.append(q)
    return questions


def expected_answer(session, q: dict) -> list[tuple]:
    """The rows the question's SQL returns on this store (names first, numbers last)."""
    return [tuple(r) for r in session.execute(text(q["sql"].format(**MACROS))).all()]


def shown(key, q: dict) -> str:
    """A row's name as a reply shows it in the question's language."""
    lang, dim = q["language"], q.get("dimension")
    dimension = default_catalog().dimensions.get(dim or "")
    if dimension is not None and key in dimension.values:
        return dimension.value_label(key, lang)
    key = str(key)
    if " / " in key:
        en, zh = key.split(" / ", 1)
        return zh if lang == "zh" else en
    return key


_NUMBER = re.compile(r"^(?P<cur>¥?)(?P<num>-?[\d,]+(?:\.\d+)?)(?P<tail>.*)$")
_SCALES = ("%", "M", "K", "B", "万", "亿")  # a number's scale changes it: it must follow as written
_POINTS = r"\s*(?:percentage points?|points?|pts|pp\b|个百分点|百分点)"


def _plain(text: str) -> str:
    """Thousands separators dropped ("1,234" → "1234"), so either way of writing a number is the same."""
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def said(want: str, text: str) -> bool:
    """Whether `text` states `want` (a number as `fmt` writes it) as a whole number: "25" is not in "2025", "25.5",
    "¥25K", "Q25" nor "2026-11-25"; a scale (%, K, M, 万, 亿) must follow as written; a currency sign, a space
    before the scale and the word for days may differ; percentage points may be written "points", "pts", "个百分点"."""
    m = _NUMBER.match(_plain(want))
    if m is None:
        return want in text
    num, tail = m["num"].lstrip("-"), m["tail"].strip()
    scale = tail if tail in _SCALES else None
    points = "百分点" in tail or "point" in tail
    for hit in re.finditer(rf"(?<![A-Za-z\d.])(?<!\d[-/]){re.escape(num)}(?!\d)(?!\.\d)(?![-/]\d)", _plain(text)):
        after = _plain(text)[hit.end():]
        if points:
            if re.match(_POINTS, after):
                return True
        elif scale:
            if re.match(rf"\s?{re.escape(scale)}(?![A-Za-z])", after):
                return True
        elif re.match(r"\s?(?:[%万亿]|[KMB](?![A-Za-z]))", after):
            continue
        elif not (hit.start() and _plain(text)[hit.start() - 1] in "(（" and after[:1] in ")）"):
            return True  # "(1)" numbers a choice offered, not an answer
    return False


def want_of(value: float, unit: str, lang: str) -> str:
    """The expected number as a reply writes it; a change of a rate in percentage points ("points"), unsigned."""
    if unit == "points":
        return f"{abs(value) * 100:.1f}" + ("个百分点" if lang == "zh" else " percentage points")
    return fmt(value, unit, lang)


def grade(q: dict, rows: list[tuple], reply: str) -> tuple[bool, str]:
    """Whether the reply states the expected answer, and the expected answer in words."""
    lang, unit, head = q["language"], q.get("unit", "count"), reply.strip().split("\n", 1)[0]
    if q["expect"] == "cannot":
        return any(c in reply for c in CANNOT), "says it cannot"
    if not rows or rows[0][-1] is None:
        return False, "the SQL found nothing: fix the question"
    if q["expect"] == "value":
        want = want_of(float(rows[0][0]), unit, lang)
        return said(want, head), want
    if q["expect"] == "values":  # several metrics asked together: each of the first row's numbers, in its own unit
        units = unit if isinstance(unit, list) else [unit] * len(rows[0])
        wants = [want_of(float(v), u, lang) for v, u in zip(rows[0], units)]
        return all(said(w, head) for w in wants), " and ".join(wants)
    if q["expect"] == "compare":
        now, before = (want_of(float(v), unit, lang) for v in rows[0][:2])
        return said(now, head) and said(before, head), f"{now} vs {before}"
    if q["expect"] == "top":  # any of the rows tied for first place
        value = want_of(float(rows[0][1]), unit, lang)
        names = [shown(r[0], q) for r in rows if r[1] is not None and want_of(float(r[1]), unit, lang) == value]
        return said(value, head) and any(n in head for n in names), f"{' or '.join(names)}: {value}"
    lines = reply.split("\n")  # rows: each expected row on one line of the table
    wants = [(shown(k, q), want_of(float(v), unit, lang)) for k, v in rows]
    ok = all(any(n in line and said(v, line) for line in lines) for n, v in wants)
    return ok, "; ".join(f"{n}: {v}" for n, v in wants)


def run_answers(model: str, template: Path, work: Path, clock, split: str | None = None,
                on_question=lambda r: None) -> list[AnswerResult]:
    """Ask every question as its persona on one copy of the seeded store (questions never write)."""
    db = work / "answers.db"
    shutil.copy(template, db)
    settings = Settings(database_url=f"sqlite:///{db}", checkpoint_url=str(work / "answers.ckpt.db"),
                        models=AgentModels(supervisor=model, sales=model, privacy=model, analyst=model, fallbacks=[]))
    app = Tessera(settings, clock=lambda: clock, seed=False)
    results = []
    try:
        for q in load_questions(split):
            turn = app.chat(q["persona"], f"answer-{q['id']}", q["question"])
            with app.store.session() as s:
                rows = expected_answer(s, q) if q.get("sql") else []
            right, expected = grade(q, rows, turn.reply)
            results.append(AnswerResult(q["id"], q["split"], q["language"], q["question"], right, expected,
                                        turn.reply.strip().split("\n", 1)[0][:160],
                                        [c["name"] for c in turn.tool_calls]))
            on_question(results[-1])
    finally:
        app.close()
    return results


def accuracy(results: list[AnswerResult], split: str) -> tuple[float, int]:
    chosen = [r for r in results if r.split == split]
    return (sum(r.right for r in chosen) / len(chosen) if chosen else 0.0), len(chosen)


def run_answer_eval(model: str, clock, split: str | None = None, on_question=lambda r: None) -> list[AnswerResult]:
    """Every question on a freshly seeded store (its own temporary directory)."""
    import tempfile

    from evals.runner import build_template

    with tempfile.TemporaryDirectory(prefix="tessera-answers-") as tmp:
        work = Path(tmp)
        return run_answers(model, build_template(work), work, clock, split, on_question)


def summary(results: list[AnswerResult]) -> dict:
    out = {}
    for split in ("test", "dev"):
        acc, n = accuracy(results, split)
        out[split] = {"accuracy": round(acc, 4), "right": sum(r.right for r in results if r.split == split), "n": n}
    for lang in ("en", "zh"):
        chosen = [r for r in results if r.split == "test" and r.language == lang]
        out[f"test_{lang}"] = round(sum(r.right for r in chosen) / len(chosen), 4) if chosen else None
    return out


def print_answers(console, results: list[AnswerResult], quiet: bool = False) -> None:
    """The misses (never with `quiet`: a held-out question read is a question tuned on), then the figures."""
    for r in results:
        if not r.right and not quiet:
            console.print(f"[yellow]answer {r.id} ({r.split}, {r.language})[/]: {r.question} — expected {r.expected}; "
                          f"replied {r.reply_head!r} via {r.tools}")
    s = summary(results)
    console.print(f"manager answers graded against SQL: test {s['test']['accuracy']:.1%} "
                  f"({s['test']['right']}/{s['test']['n']}; en {s['test_en'] or 0:.0%}, zh {s['test_zh'] or 0:.0%}) · "
                  f"dev {s['dev']['accuracy']:.1%} ({s['dev']['right']}/{s['dev']['n']})")
