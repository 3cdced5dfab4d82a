"""Erasure reaching tasks: a person's own tasks lose their title when the scope covers interactions; any other
task quoting the person's values has those values rewritten."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from crm.privacy.directory import ERASED
from crm.store import Store
from crm.tasks.models import Task


class TaskErasure:
    """An `ErasureTarget` (crm/privacy/erasure.py) for the tasks table."""

    name = "tasks and reminders"

    def __init__(self, store: Store):
        self.store = store

    def count(self, subject) -> int:
        with self.store.session() as s:
            return len(self._changes(s, subject, apply=False))

    def erase(self, subject) -> int:
        with self.store.session() as s:
            return len(self._changes(s, subject, apply=True))

    def _changes(self, session, subject, *, apply: bool) -> list[int]:
        touched = []
        for task in session.scalars(select(Task).where(Task.contact_id == subject.contact_id)):
            if subject.interactions:
                if task.title != ERASED:
                    touched.append(task.id)
                    if apply:
                        task.title = ERASED
            elif self._rewrite(task, subject, apply, about=subject.contact_id):
                touched.append(task.id)
        needles = subject.needles()
        if needles:
            quoting = select(Task).where(or_(*[func.lower(Task.title).contains(n, autoescape=True) for n in needles]),
                                         or_(Task.contact_id.is_(None), Task.contact_id != subject.contact_id))
            touched += [t.id for t in session.scalars(quoting)
                        if self._rewrite(t, subject, apply, about=t.contact_id)]
        return touched

    @staticmethod
    def _rewrite(task: Task, subject, apply: bool, *, about: int | None) -> bool:
        new, n = subject.rewrite(task.title, about=about, account_id=task.account_id)
        if n and apply:
            task.title = new
        return bool(n)
