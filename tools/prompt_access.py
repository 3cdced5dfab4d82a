"""What the prompt engineers' tools share: the prompt files (each prompt's first version) and the role check."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import Field
from sqlalchemy.orm import Session

from crm.prompt_registry.service import require_prompt_engineer
from prompts import prompt_files
from tools.base import ToolContext

PROMPT_HELP = "the prompt's name: sales, analyst, privacy, supervisor, prompt_ops or draft_writer"


def prompt_arg(default=...):
    return Field(default, description=PROMPT_HELP)


@contextmanager
def registry(ctx: ToolContext) -> Iterator[tuple[Session, dict]]:
    """A session over the registry with the prompt files, for a prompt engineer only (others: AccessDenied)."""
    require_prompt_engineer(ctx.actor)
    with ctx.store.session() as s:
        yield s, prompt_files()
