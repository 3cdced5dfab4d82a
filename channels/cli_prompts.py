"""`tessera prompts list|show|diff|add|promote|rollback|history|evals`: the prompt registry from the shell, through the
same domain functions as the prompt engineers' chat tools (crm/prompt_registry/)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from tessera.cli_kit import CommandGroup, bad_usage, current, emit, fail, make_table

prompts = CommandGroup(help="Prompt versions and labels: `prompts list`, `prompts show sales --version 2`, "
                            "`prompts diff sales`, `prompts add sales FILE`, `prompts promote sales 2`, "
                            "`prompts rollback sales`, `prompts history sales`, `prompts evals sales --compare-to "
                            "previous`.")
Name = Annotated[str, typer.Argument(help="the prompt's name, e.g. sales, analyst, privacy, supervisor")]
Label = Annotated[str, typer.Option(help="the label to read or move, e.g. production, staging")]
By = Annotated[str, typer.Option("--by", help="who is recorded as making the change (a login)")]


def register(app: typer.Typer) -> None:
    app.add_typer(prompts, name="prompts", rich_help_panel="Capabilities")


def _run(body):
    """Runs `body(session, files)` in one unit of work; expected failures exit 1 with their message."""
    from crm.actor import AccessDenied, Invalid, NotFound
    from prompts import prompt_files

    try:
        with current().store().session() as s:
            return body(s, prompt_files())
    except (NotFound, Invalid, AccessDenied) as exc:
        fail(str(exc))


@prompts.command("list")
def list_prompts(name: Annotated[str | None, typer.Argument(help="one prompt: its versions")] = None) -> None:
    """Every prompt with its versions and where production points; with a name, that prompt's versions."""
    from crm.prompt_registry import service

    if name is None:
        rows = _run(service.overview)
        emit(rows, lambda rows: make_table("prompts", ("prompt", "agent", "versions", "production", "other labels"), [
            (r["prompt"], r["agent"], r["versions"], f"v{r['production']}",
             ", ".join(f"{k} v{v}" for k, v in r["labels"].items()) or "—") for r in rows]))
        return
    rows = _run(lambda s, files: service.versions(s, files, name))
    emit(rows, lambda rows: make_table(f"versions of {name}", ("version", "labels", "author", "created", "note"), [
        (f"v{r['version']}", ", ".join(r["labels"]) or "—", r["author"], _when(r["created_at"]), r["note"])
        for r in rows]))


@prompts.command("show")
def show(name: Name, version: Annotated[int | None, typer.Option(min=1, help="default: production")] = None,
         label: Annotated[str | None, typer.Option(help="the version a label points at, e.g. staging")] = None) -> None:
    """The text of one version of a prompt (production unless --version or --label says otherwise)."""
    from crm.prompt_registry import service

    found = _run(lambda s, files: service.show(s, files, name, version=version, label=label))
    emit(found, lambda f: [f"{f['prompt']} v{f['version']} ({', '.join(f['labels']) or 'no label'}) by "
                           f"{f['author']}", f["text"]])


@prompts.command("diff")
def diff(name: Name, old: Annotated[int | None, typer.Argument(help="the older version (default: the last two)")]
         = None, new: Annotated[int | None, typer.Argument(help="the newer version")] = None,
         old_label: Annotated[str | None, typer.Option(help="the older side by its label, e.g. production")] = None,
         new_label: Annotated[str | None, typer.Option(help="the newer side by its label, e.g. staging")] = None
         ) -> None:
    """A unified diff between two versions of a prompt, each named by number or label (`--old-label production
    --new-label staging`: what promoting staging would change); without either, the last two."""
    from crm.prompt_registry import service

    if (old is not None and old_label) or (new is not None and new_label):
        bad_usage("name each side once: a version or a label, not both")
    found = _run(lambda s, files: service.diff(s, files, name, old=old, new=new, old_label=old_label,
                                               new_label=new_label))
    emit(found, lambda f: f["diff"] or f"{f['prompt']} v{f['old']} and v{f['new']} are the same")


@prompts.command("add")
def add(name: Name, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the new text (Markdown)")],
        note: Annotated[str, typer.Option(help="what changed and why")] = "", by: By = "cli",
        label: Annotated[str | None, typer.Option(help="also point this label at it, e.g. staging")] = None) -> None:
    """Store the next version of a prompt from a file; production stays where it is unless --label production."""
    from crm.prompt_registry import service

    text = file.read_text(encoding="utf-8")
    if text.startswith("---\n") and "\n---\n" in text[4:]:
        text = text[4:].split("\n---\n", 1)[1]  # a copy of a prompt file: its header is not part of the text
    now = _now()

    def body(s, files):
        added = service.add_version(s, files, name, text, author=by, note=note, now=now)
        if label:
            service.move_label(s, files, name, label, added["version"], by=by, now=now, note=note)
        return {**added, "label": label}

    found = _run(body)
    emit(found, lambda f: f"stored {f['prompt']} v{f['version']}" + (f", labelled {f['label']}" if f["label"] else ""))


@prompts.command("promote")
def promote(name: Name, version: Annotated[int, typer.Argument(min=1, help="the version to point the label at")],
            label: Label = "production", by: By = "cli",
            note: Annotated[str, typer.Option(help="why")] = "") -> None:
    """Point a label (production by default) at a version: the agents run the new production from the next turn."""
    from crm.prompt_registry import service

    moved = _run(lambda s, files: service.move_label(s, files, name, label, version, by=by, now=_now(), note=note))
    emit(moved, _moved)


@prompts.command("rollback")
def rollback(name: Name, label: Label = "production", by: By = "cli") -> None:
    """Point a label back at the version it pointed at before its last move (or the version below it)."""
    from crm.prompt_registry import service

    def body(s, files):
        target = service.rollback_target(s, files, name, label)
        return service.move_label(s, files, name, label, target, by=by, now=_now(), note="rollback")

    emit(_run(body), _moved)


@prompts.command("history")
def history(name: Name) -> None:
    """Every label move of a prompt, newest first: who moved which label from which version to which."""
    from crm.prompt_registry import service

    rows = _run(lambda s, files: service.moves(s, files, name))
    emit(rows, lambda rows: make_table(f"label moves of {name}", ("when", "label", "from", "to", "by", "note"), [
        (_when(r["moved_at"]), r["label"], f"v{r['from_version']}" if r["from_version"] else "—",
         f"v{r['to_version']}", r["moved_by"], r["note"]) for r in rows]) if rows else f"{name}: no label moves yet")


@prompts.command("evals")
def evals(name: Name, version: Annotated[int | None, typer.Option(min=1, help="one version (default: the newest run; "
                                                                             "with --compare-to, the newest version)")]
          = None,
          compare_to: Annotated[str | None, typer.Option(
              "--compare-to", help="another version's number, or 'previous' for the version before")] = None) -> None:
    """The last eval run recorded for a prompt (or one version): figures per user type; with --compare-to, two
    versions' runs side by side with the change in points. `tessera eval` records the runs."""
    from crm.prompt_registry import service

    if compare_to is None:
        found = _run(lambda s, files: service.last_eval(s, files, name, version=version))
        emit(found, _one_run)
        return
    if compare_to != service.PREVIOUS and not (compare_to.isdigit() and int(compare_to) >= 1):
        bad_usage(f"--compare-to takes a version number or '{service.PREVIOUS}', not {compare_to!r}")
    other = compare_to if compare_to == service.PREVIOUS else int(compare_to)
    found = _run(lambda s, files: service.compare_evals(s, files, name, version=version, compare_to=other))
    emit(found, _compared)


def _one_run(run: dict) -> object:
    from crm.prompt_registry import eval_rows

    return _rows_table(f"{run['prompt']} v{run['version']}: {eval_rows.run_said(run)}", eval_rows.run_rows(run))


def _compared(found: dict) -> list:
    from crm.prompt_registry import eval_rows

    new, old, runs = f"v{found['version']}", f"v{found['other']}", found["runs"]
    lines = [f"{new}: {eval_rows.run_said(runs[found['version']])}",
             f"{old}: {eval_rows.run_said(runs[found['other']])}"]
    if not found["comparable"]:
        lines.append("note: the two runs used a different split or model; their figures do not measure the same thing")
    return [_rows_table(f"{found['prompt']} {new} against {old}", eval_rows.compared_rows(found)), *lines]


def _rows_table(title: str, rows: list[dict]) -> object:
    return make_table(title, list(rows[0]) if rows else [], [list(r.values()) for r in rows])


def _moved(m: dict) -> str:
    was = f"v{m['from_version']}" if m["from_version"] is not None else "unset"
    return (f"{m['prompt']} {m['label']}: {was} → v{m['to_version']} (undo: `tessera prompts rollback "
            f"{m['prompt']}{'' if m['label'] == 'production' else ' --label ' + m['label']}`)")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
