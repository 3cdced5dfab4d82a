"""The prompt registry over HTTP, for prompt engineers (any other caller gets 403): prompts, versions, a version's
text, diffs, eval runs (one, or two versions compared), and moving a label (promote, rollback). A POST is the
caller's explicit action; nothing is planned."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from channels.auth import ChatActor
from channels.http_api import GUARDS
from channels.http_errors import ERROR_RESPONSES, TesseraDep, as_http_errors
from crm.actor import Actor
from crm.prompt_registry import service
from prompts import prompt_files

router = APIRouter(prefix="/v1/prompts", tags=["prompts"], dependencies=GUARDS, responses=ERROR_RESPONSES)
Name = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$", description="a prompt's name")]
LABEL_PATTERN = r"^[a-z][a-z0-9_-]*$"
LabelName = Annotated[str, Path(min_length=1, max_length=40, pattern=LABEL_PATTERN,
                                description="a label, e.g. production or staging")]
Version = Annotated[int, Path(ge=1, le=100_000)]


class MoveLabel(BaseModel):
    version: int = Field(ge=1, le=100_000, description="the version the label is to point at")
    note: str = Field("", max_length=500, description="why")


class Rollback(BaseModel):
    label: str = Field("production", max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")


def _read(tessera, actor: Actor, body):
    with as_http_errors(conflict=409):
        service.require_prompt_engineer(actor)
        with tessera.store.session() as s:
            return body(s, prompt_files())


@router.get("")
def list_prompts(tessera: TesseraDep, actor: ChatActor) -> list[dict]:
    """Every prompt: its agent, how many versions, where production and the other labels point."""
    return _read(tessera, actor, service.overview)


@router.get("/{name}")
def prompt_versions(name: Name, tessera: TesseraDep, actor: ChatActor) -> dict:
    """One prompt's versions (author, time, note, labels) and its label moves, newest first."""
    return _read(tessera, actor, lambda s, files: {"prompt": name, "versions": service.versions(s, files, name),
                                                   "moves": service.moves(s, files, name)})


@router.get("/{name}/versions/{version}")
def prompt_version(name: Name, version: Version, tessera: TesseraDep, actor: ChatActor) -> dict:
    """The text of one version, with its details."""
    return _read(tessera, actor, lambda s, files: service.show(s, files, name, version=version))


@router.get("/{name}/diff")
def prompt_diff(name: Name, tessera: TesseraDep, actor: ChatActor,
                old: Annotated[int | None, Query(ge=1, le=100_000)] = None,
                new: Annotated[int | None, Query(ge=1, le=100_000)] = None,
                old_label: Annotated[str | None, Query(max_length=40, pattern=LABEL_PATTERN,
                                                       description="the older side by label")] = None,
                new_label: Annotated[str | None, Query(max_length=40, pattern=LABEL_PATTERN,
                                                       description="the newer side by label")] = None) -> dict:
    """A unified diff between two versions, each named by number or by label (`old_label=production&
    new_label=staging`: what promoting staging would change); without either, the last two."""
    if (old is not None and old_label) or (new is not None and new_label):
        raise HTTPException(400, "name each side once: a version or a label, not both")
    return _read(tessera, actor, lambda s, files: service.diff(s, files, name, old=old, new=new, old_label=old_label,
                                                                new_label=new_label))


@router.get("/{name}/evals")
def prompt_eval(name: Name, tessera: TesseraDep, actor: ChatActor,
                version: Annotated[int | None, Query(ge=1, le=100_000, description="one version (default: the newest "
                                                                                   "run of any)")] = None) -> dict:
    """The last eval run recorded for the prompt (or one version): model, split, figures per user type."""
    return _read(tessera, actor, lambda s, files: service.last_eval(s, files, name, version=version))


@router.get("/{name}/evals/compare")
def compare_evals(name: Name, tessera: TesseraDep, actor: ChatActor,
                  version: Annotated[int | None, Query(ge=1, le=100_000, description="default: the newest")] = None,
                  to: Annotated[str, Query(pattern=r"^(previous|[1-9][0-9]{0,5})$",
                                           description="a version, or 'previous' for the one before")]
                  = service.PREVIOUS) -> dict:
    """Two versions' last eval runs side by side, per user type, with the change in percentage points;
    `comparable` is false when the runs used a different split or model."""
    other = to if to == service.PREVIOUS else int(to)
    found = _read(tessera, actor, lambda s, files: service.compare_evals(s, files, name, version=version,
                                                                          compare_to=other))
    runs = found.pop("runs")
    return {**found, "new_run": runs[found["version"]], "old_run": runs[found["other"]]}


@router.post("/{name}/labels/{label}")
def move_label(name: Name, label: LabelName, body: MoveLabel, tessera: TesseraDep, actor: ChatActor) -> dict:
    """Points the label at a version (production: what the agents run from their next call)."""
    return _read(tessera, actor, lambda s, files: service.move_label(
        s, files, name, label, body.version, by=actor.login, now=tessera.clock(), note=body.note))


@router.post("/{name}/rollback")
def rollback(name: Name, body: Rollback, tessera: TesseraDep, actor: ChatActor) -> dict:
    """Points the label back at the version it had before its last move."""
    def run(s, files):
        target = service.rollback_target(s, files, name, body.label)
        return service.move_label(s, files, name, body.label, target, by=actor.login, now=tessera.clock(),
                                  note="rollback")
    return _read(tessera, actor, run)
