"""The registry's tables: later versions of a prompt, where each label points, every label move, eval runs."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models import Base, utcnow


class PromptVersion(Base):
    """A version of a prompt after its file's: immutable once written."""

    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("prompt", "version", name="uq_prompt_versions_prompt_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    markdown: Mapped[str] = mapped_column(Text)  # the prompt's text (named so: no personal data in it)
    author: Mapped[str] = mapped_column(String(80))  # a staff login, or "cli"
    why: Mapped[str] = mapped_column(String(500), default="")  # the author's note on the change
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PromptLabel(Base):
    """Where a label of a prompt points now; a prompt without a `production` row runs its file's version."""

    __tablename__ = "prompt_labels"
    prompt: Mapped[str] = mapped_column(String(80), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    moved_by: Mapped[str] = mapped_column(String(80))
    moved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PromptLabelMove(Base):
    """One move of a label (promote, rollback, undo): the history of what ran when."""

    __tablename__ = "prompt_label_moves"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt: Mapped[str] = mapped_column(String(80), index=True)
    label: Mapped[str] = mapped_column(String(40))
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    moved_by: Mapped[str] = mapped_column(String(80))
    why: Mapped[str] = mapped_column(String(500), default="")  # the author's note on the change
    moved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PromptEvalRun(Base):
    """An eval run that used this version of the prompt: model, split and per-user-type figures."""

    __tablename__ = "prompt_eval_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(200))
    split: Mapped[str] = mapped_column(String(20))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # {user_type: {tool_choice, arguments, final_state, ...}}
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
