"""The tasks table: a follow-up a rep owns, due at a time, with a reminder that fires once through their channel."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models import Base, personal, utcnow

TASK_STATUSES = ("open", "done", "cancelled")
TASK_KINDS = ("call", "email", "meeting", "follow_up", "todo")
# A reminder goes pending -> sending (claimed by one scheduler, in one UPDATE) -> sent; a claim older than the
# lease was left by a process that died while sending and is taken again.
REMINDER_STATES = ("none", "pending", "sending", "sent", "failed")


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("sales_units.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the task outlives an erasure
    kind: Mapped[str] = mapped_column(String(20), default="follow_up")
    title: Mapped[str] = mapped_column(String(300), info=personal("user.behavior.interaction", "contract"))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    remind: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    reminder_claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reminder_attempts: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="chat")  # chat, seed, api
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
