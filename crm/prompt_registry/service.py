"""Prompt versions and labels: list, show, diff, which version is live, move a label (promote, roll back), eval runs.

The files in prompts/ are each prompt's first version (the version in their header); later versions live in the
store. A label points at one version; `production` is the one the agents run, and a prompt whose `production` was
never moved runs its file. The domain does not read prompts/ itself: callers hand in the files (`PromptFile`).
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from crm.actor import AccessDenied, Actor, Invalid, NotFound
from crm.prompt_registry.models import PromptEvalRun, PromptLabel, PromptLabelMove, PromptVersion

PRODUCTION = "production"
LATEST = "latest"  # always the newest version; never stored, never moved by hand
PREVIOUS = "previous"  # in a comparison: the version before the one compared
LABEL = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# Who may read and move prompts through the chat and the API; the command line is the operator's own.
PROMPT_ROLES = ("prompt_engineer",)


class PromptFile(Protocol):
    """A prompt's file (prompts.Prompt): its name, the version in its header and its text."""

    name: str
    version: str
    owner: str
    agent: str
    text: str


Files = Mapping[str, PromptFile]


def require_prompt_engineer(actor: Actor) -> None:
    if actor.role not in PROMPT_ROLES:
        raise AccessDenied(f"only prompt engineers may read or change prompts; you are signed in as a {actor.role}",
                           kind="prompt_engineers_only", role=actor.role)


def prompt_name(files: Files, name: str) -> str:
    """The prompt `name` refers to ("sales", "Sales prompt", "the privacy agent"), or NotFound listing them."""
    said = re.sub(r"\b(?:the|prompt|agent|assistant|system)\b|提示词|助手|智能体", " ", (name or "").lower())
    said = "_".join(said.split())
    if said in files:
        return said
    raise NotFound(f"no prompt named '{name}'; the prompts are {', '.join(sorted(files))}",
                   kind="unknown_prompt", name=name, known=", ".join(sorted(files)))


def _file_version(files: Files, name: str) -> int:
    return int(str(files[name].version))


def labels(session: Session, files: Files, name: str) -> dict[str, int]:
    """Where each label of `name` points ({"production": 1, "staging": 3, "latest": 3})."""
    found = {PRODUCTION: _file_version(files, name)}
    found.update({r.label: r.version for r in session.scalars(select(PromptLabel).where(PromptLabel.prompt == name))})
    found[LATEST] = max(v["version"] for v in _versions(session, files, name))
    return found


def _versions(session: Session, files: Files, name: str) -> list[dict]:
    file = files[name]
    first = {"version": _file_version(files, name), "author": file.owner, "created_at": None,
             "note": f"the file prompts/{name}.md", "source": "file"}
    stored = session.scalars(select(PromptVersion).where(PromptVersion.prompt == name)
                             .order_by(PromptVersion.version)).all()
    return [first, *({"version": v.version, "author": v.author, "created_at": v.created_at, "note": v.why,
                      "source": "store"} for v in stored)]


def versions(session: Session, files: Files, name: str) -> list[dict]:
    """Every version of `name`, oldest first, with its author, time, note and the labels on it."""
    name = prompt_name(files, name)
    on = labels(session, files, name)
    return [{**v, "labels": sorted(lab for lab, at in on.items() if at == v["version"])}
            for v in _versions(session, files, name)]


def overview(session: Session, files: Files) -> list[dict]:
    """One line per prompt: its agent, how many versions, where production and the other labels point."""
    rows = []
    for name in sorted(files):
        on = labels(session, files, name)
        rows.append({"prompt": name, "agent": files[name].agent, "versions": on[LATEST], "production": on[PRODUCTION],
                     "labels": {k: v for k, v in sorted(on.items()) if k not in (PRODUCTION, LATEST)}})
    return rows


def version_of(session: Session, files: Files, name: str, *, version: int | None = None,
               label: str | None = None) -> int:
    """The version number meant: `version` itself (checked), the one `label` points at, else production."""
    name = prompt_name(files, name)
    known = [v["version"] for v in _versions(session, files, name)]
    if version is not None:
        if version not in known:
            raise NotFound(f"{name} has no version {version}; its versions are {_listed(known)}",
                           kind="unknown_prompt_version", name=name, version=version, known=_listed(known))
        return version
    on = labels(session, files, name)
    wanted = (label or PRODUCTION).strip().lower()
    if wanted not in on:
        raise NotFound(f"{name} has no label '{wanted}'; its labels are {', '.join(sorted(on))}",
                       kind="unknown_prompt_label", name=name, label=wanted, known=", ".join(sorted(on)))
    return on[wanted]


def text_of(session: Session, files: Files, name: str, version: int) -> str:
    if version == _file_version(files, name):
        return files[name].text
    row = session.scalar(select(PromptVersion).where(PromptVersion.prompt == name, PromptVersion.version == version))
    if row is None:
        raise NotFound(f"{name} has no version {version}", kind="unknown_prompt_version", name=name, version=version)
    return row.markdown


def show(session: Session, files: Files, name: str, *, version: int | None = None, label: str | None = None) -> dict:
    """The text of one version (production unless a version or a label is given), with its details."""
    name = prompt_name(files, name)
    number = version_of(session, files, name, version=version, label=label)
    info = next(v for v in versions(session, files, name) if v["version"] == number)
    return {"prompt": name, **info, "text": text_of(session, files, name, number)}


def live(session: Session, files: Files, name: str | None = None) -> list[dict]:
    """Which version production runs (and where the other labels point), for one prompt or every prompt."""
    names = [prompt_name(files, name)] if name else sorted(files)
    return [{"prompt": n, "production": (on := labels(session, files, n))[PRODUCTION], "latest": on[LATEST],
             "labels": {k: v for k, v in sorted(on.items()) if k != LATEST}} for n in names]


def production_version(session: Session | Connection, files: Files, name: str) -> int:
    """The version the agents run: where `production` points, else the file's (one small query; a bare
    connection will do)."""
    moved = session.scalar(_PRODUCTION_VERSION, {"prompt": name})
    return moved if moved is not None else _file_version(files, name)


# built once: every model call asks it, and building a statement costs more than running it
_PRODUCTION_VERSION = select(PromptLabel.version).where(PromptLabel.prompt == bindparam("prompt"),
                                                        PromptLabel.label == PRODUCTION)


def diff(session: Session, files: Files, name: str, *, old: int | None = None, new: int | None = None,
         old_label: str | None = None, new_label: str | None = None) -> dict:
    """A unified diff from version `old` to version `new`; a label (production, staging) stands for the version it
    points at; without any, the last two versions."""
    name = prompt_name(files, name)
    known = [v["version"] for v in _versions(session, files, name)]
    if old is None and old_label:
        old = version_of(session, files, name, label=old_label)
    if new is None and new_label:
        new = version_of(session, files, name, label=new_label)
    if old is not None and old == new:
        return {"prompt": name, "old": old, "new": new, "diff": "", "added": 0, "removed": 0, "same": True}
    if old is None and new is None:
        if len(known) < 2:
            raise Invalid(f"{name} has one version only (v{known[0]}); there is nothing to compare yet",
                          kind="one_prompt_version", name=name, version=known[0])
        old, new = known[-2], known[-1]
    elif old is None or new is None:
        given = old if old is not None else new
        version_of(session, files, name, version=given)
        earlier = [v for v in known if v < given]
        if not earlier:
            raise Invalid(f"v{given} is the first version of {name}; name two versions to compare",
                          kind="first_prompt_version", name=name, version=given)
        old, new = earlier[-1], given
    if old > new:
        old, new = new, old
    a = text_of(session, files, name, version_of(session, files, name, version=old)).splitlines()
    b = text_of(session, files, name, version_of(session, files, name, version=new)).splitlines()
    lines = list(difflib.unified_diff(a, b, f"{name} v{old}", f"{name} v{new}", lineterm=""))
    return {"prompt": name, "old": old, "new": new, "diff": "\n".join(lines),
            "added": sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++")),
            "removed": sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---")),
            "same": not lines}


def add_version(session: Session, files: Files, name: str, markdown: str, *, author: str, note: str = "",
                now: dt.datetime) -> dict:
    """Stores the next version of `name` (labels stay where they are; `latest` moves to it)."""
    name = prompt_name(files, name)
    if not markdown.strip():
        raise Invalid("a prompt version needs text", kind="empty_prompt")
    number = max(v["version"] for v in _versions(session, files, name)) + 1
    session.add(PromptVersion(prompt=name, version=number, markdown=markdown.strip(), author=author,
                              why=note[:500], created_at=now))
    session.flush()
    return {"prompt": name, "version": number, "author": author, "note": note, "created_at": now}


def rollback_target(session: Session, files: Files, name: str, label: str = PRODUCTION) -> int:
    """The version `label` pointed at before its last move; without a recorded move, the version below it."""
    name = prompt_name(files, name)
    current = version_of(session, files, name, label=label)
    moved = session.scalars(select(PromptLabelMove).where(
        PromptLabelMove.prompt == name, PromptLabelMove.label == label, PromptLabelMove.to_version == current)
        .order_by(PromptLabelMove.id.desc())).first()
    if moved is not None and moved.from_version is not None:
        return moved.from_version
    earlier = [v["version"] for v in _versions(session, files, name) if v["version"] < current]
    if not earlier:
        raise Invalid(f"{name} {label} is on v{current}, its first version: there is nothing earlier to roll back to",
                      kind="nothing_to_roll_back", name=name, label=label, version=current)
    return earlier[-1]


def move_plan(session: Session, files: Files, name: str, label: str, version: int) -> dict:
    """What moving `label` of `name` to `version` would change (nothing is written)."""
    name, label = prompt_name(files, name), _label(label)
    version_of(session, files, name, version=version)
    current = labels(session, files, name).get(label)
    if current == version:
        raise Invalid(f"{name} {label} already points at v{version}; nothing to change",
                      kind="prompt_label_unchanged", name=name, label=label, version=version)
    return {"prompt": name, "label": label, "from_version": current, "to_version": version}


def move_label(session: Session, files: Files, name: str, label: str, version: int, *, by: str, now: dt.datetime,
               note: str = "") -> dict:
    """Points `label` of `name` at `version` and records the move; returns {prompt, label, from_version, to_version}."""
    plan = move_plan(session, files, name, label, version)
    name, label = plan["prompt"], plan["label"]
    row = session.get(PromptLabel, (name, label))
    if row is None:
        session.add(PromptLabel(prompt=name, label=label, version=version, moved_by=by, moved_at=now))
    else:
        row.version, row.moved_by, row.moved_at = version, by, now
    session.add(PromptLabelMove(prompt=name, label=label, from_version=plan["from_version"], to_version=version,
                                moved_by=by, moved_at=now, why=note[:500]))
    session.flush()
    return {**plan, "moved_by": by, "moved_at": now}


def moves(session: Session, files: Files, name: str) -> list[dict]:
    """Every label move of `name`, newest first."""
    name = prompt_name(files, name)
    rows = session.scalars(select(PromptLabelMove).where(PromptLabelMove.prompt == name)
                           .order_by(PromptLabelMove.id.desc())).all()
    return [{"label": r.label, "from_version": r.from_version, "to_version": r.to_version, "moved_by": r.moved_by,
             "moved_at": r.moved_at, "note": r.why} for r in rows]


def changes(session: Session, files: Files, start: dt.date | None, end: dt.date | None) -> list[dict]:
    """What changed in the prompts between `start` and `end` (days included; None: no bound), newest first: each new
    version (who wrote it and why) and each label moved (promoted, rolled back)."""
    def within(at: dt.datetime | None) -> bool:
        return at is not None and (start is None or at.date() >= start) and (end is None or at.date() <= end)

    found = [{"prompt": name, "kind": "version", "version": v["version"], "by": v["author"], "at": v["created_at"],
              "note": v["note"]} for name in sorted(files) for v in _versions(session, files, name)
             if within(v["created_at"])]
    found += [{"prompt": name, "kind": "label", "label": m["label"], "from_version": m["from_version"],
               "version": m["to_version"], "by": m["moved_by"], "at": m["moved_at"], "note": m["note"]}
              for name in sorted(files) for m in moves(session, files, name) if within(m["moved_at"])]
    return sorted(found, key=lambda c: c["at"], reverse=True)


def last_change(session: Session, files: Files, name: str) -> dt.datetime | None:
    """When `name` last got a version or a label move; None while it is only its file."""
    times = [v["created_at"] for v in _versions(session, files, name)] + [m["moved_at"] for m in
                                                                           moves(session, files, name)]
    return max((t for t in times if t is not None), default=None)


def record_eval(session: Session, used: Mapping[str, int], *, model: str, split: str, figures: dict,
                now: dt.datetime) -> int:
    """Records one eval run against every prompt version it used ({prompt: version}); returns how many rows."""
    for name, version in sorted(used.items()):
        session.add(PromptEvalRun(prompt=name, version=version, model=model, split=split, figures=figures, ran_at=now))
    session.flush()
    return len(used)


def last_eval(session: Session, files: Files, name: str, *, version: int | None = None) -> dict:
    """The newest eval run recorded for `name` (at `version`, when given): model, split, per-user-type figures."""
    name = prompt_name(files, name)
    query = select(PromptEvalRun).where(PromptEvalRun.prompt == name)
    if version is not None:
        version_of(session, files, name, version=version)
        query = query.where(PromptEvalRun.version == version)
    run = session.scalars(query.order_by(PromptEvalRun.ran_at.desc(), PromptEvalRun.id.desc())).first()
    if run is None:
        which = f"{name} v{version}" if version is not None else name
        raise NotFound(f"no eval run has been recorded for {which} yet; run `tessera eval --split dev`",
                       kind="no_prompt_eval", name=which)
    return {"prompt": name, "version": run.version, "model": run.model, "split": run.split, "ran_at": run.ran_at,
            "figures": run.figures}


FIGURES = ("tool_choice", "arguments", "state")


def compare_evals(session: Session, files: Files, name: str, *, version: int | None = None,
                  compare_to: int | str = PREVIOUS) -> dict:
    """The newest eval run of `version` (default: the newest version) beside that of `compare_to` (a version, or
    "previous": the version before it), per user type with the change in points; NotFound names the versions that
    have no run yet. Runs on different splits or models are compared but flagged: their figures do not measure
    the same thing."""
    name = prompt_name(files, name)
    known = [v["version"] for v in _versions(session, files, name)]
    version = version_of(session, files, name, version=version) if version is not None else max(known)
    if len(known) < 2:
        raise Invalid(f"{name} has one version only (v{known[0]}); there is nothing to compare yet",
                      kind="one_prompt_version", name=name, version=known[0])
    if compare_to == PREVIOUS:
        earlier = [v for v in known if v < version]
        if not earlier:
            raise Invalid(f"v{version} is the first version of {name}; name two versions to compare",
                          kind="first_prompt_version", name=name, version=version)
        compare_to = max(earlier)
    other = version_of(session, files, name, version=int(compare_to))
    runs, missing = {}, []
    for v in (version, other):
        try:
            runs[v] = last_eval(session, files, name, version=v)
        except NotFound:
            missing.append(f"v{v}")
    if missing:
        which = f"{name} {' and '.join(missing)}"
        raise NotFound(f"no eval run has been recorded for {which} yet; run `tessera eval --split dev` on each "
                       "version to compare them", kind="no_prompt_eval", name=which)
    new, old = runs[version], runs[other]
    rows = []
    for who in sorted(set(new["figures"]) | set(old["figures"])):
        a, b = new["figures"].get(who, {}), old["figures"].get(who, {})
        rows.append({"user_type": who, **{f: (a.get(f), b.get(f)) for f in FIGURES},
                     "change": {f: points(a.get(f), b.get(f)) for f in FIGURES},
                     "unwanted_writes": (a.get("unwanted_writes"), b.get("unwanted_writes"))})
    return {"prompt": name, "version": version, "other": other, "runs": {version: new, other: old},
            "comparable": new["split"] == old["split"] and new["model"] == old["model"], "rows": rows}


def points(new: float | None, old: float | None) -> float | None:
    """The change between two shares (0..1) in percentage points, one decimal; None where either is missing."""
    return None if new is None or old is None else round((new - old) * 100, 1)


def _label(label: str) -> str:
    label = (label or "").strip().lower()
    if label == LATEST:
        raise Invalid("'latest' always points at the newest version and cannot be moved", kind="latest_label")
    if not LABEL.match(label):
        raise Invalid(f"'{label}' is not a label name: use lowercase letters, digits, '-' or '_' (e.g. staging)",
                      kind="bad_prompt_label", label=label)
    return label


def _listed(known: list[int]) -> str:
    return ", ".join(f"v{v}" for v in known)
