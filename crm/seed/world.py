"""The demo company while it is being seeded: the seeded dice, the vocabulary, and the rows made so far."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from crm.data_files import read_yaml

CENT = Decimal("0.01")


@cache
def demo_vocabulary() -> dict:
    """Names, places, products and phrases of the demo company, read from crm/seed/company.yaml (do not mutate)."""
    return read_yaml(Path(__file__).with_name("company.yaml"))


@dataclass
class DemoWorld:
    """Everything the seeding steps share. Rows are dicts; keys starting with '_' never reach the store."""

    rng: random.Random
    today: dt.date
    vocab: dict
    tenant_id: int = 0
    units: dict[str, dict] = field(default_factory=dict)  # unit code -> unit row
    users: dict[str, dict] = field(default_factory=dict)  # login -> user row
    languages: dict[int, str] = field(default_factory=dict)  # user id -> language
    reps: dict[str, list[int]] = field(default_factory=dict)  # unit code -> rep user ids
    products: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    contacts: dict[int, list[dict]] = field(default_factory=dict)  # account id -> its contacts
    customers: dict[int, list[tuple[int, dict]]] = field(default_factory=dict)  # account id -> (user id, contact)
    deals: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)

    def add_users(self, rows: list[dict]) -> None:
        """Remember inserted users by login, reps by unit, and everyone's language."""
        for row in rows:
            self.users[row["login"]] = row
            self.languages[row["id"]] = row["language"]
            if row["role"] == "rep":
                self.reps.setdefault(row["_unit"], []).append(row["id"])

    def day_within(self, start: dt.date, end: dt.date) -> dt.date:
        """A day from start to end inclusive (start itself when end is earlier)."""
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def moment(self, day: dt.date) -> dt.datetime:
        """A time during working hours on the given day; early morning when it is "today", so that nothing
        seeded lies after a clock reading of 10:00 on the demo's day."""
        hour = self.rng.randint(8, 9) if day >= self.today else self.rng.randint(9, 18)
        return dt.datetime.combine(day, dt.time(hour, self.rng.choice((0, 15, 30, 45))))

    def digits(self, template: str) -> str:
        """The template with each '#' replaced by a random digit: '+86 138 #### ####'."""
        return "".join(str(self.rng.randint(0, 9)) if ch == "#" else ch for ch in template)


def language_of(text: str) -> str:
    """'zh' when the text holds Chinese characters, else 'en'."""
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def insert_rows(session: Session, entity: type, rows: list[dict]) -> list[dict]:
    """Bulk-insert rows in one statement and write each new primary key back into its row as 'id'."""
    if not rows:
        return rows
    values = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    # render_nulls keeps every row's column set identical, so all rows go to the database in one batch
    statement = insert(entity).returning(entity.id, sort_by_parameter_order=True).execution_options(render_nulls=True)
    for row, new_id in zip(rows, session.scalars(statement, values).all(), strict=True):
        row["id"] = new_id
    return rows
