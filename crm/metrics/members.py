"""The groups a breakdown by rep or unit has where nothing was recorded: "which of my reps hasn't logged anything
this week?" must show the reps with no activity, whom no row of the facts names. Only dimensions whose key lives on
the people or units themselves can be listed so; any other filter (an industry, a product) says nothing of them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.metrics.catalog import Dimension, Metric
from crm.metrics.compiler import TABLES, column

_LISTED = ("users", "sales_units")


def members(session: Session, d: Dimension, units: tuple[int, ...] | None,
            filters: dict[str, tuple[str, ...]]) -> list[dict] | None:
    """Every group of `d` in scope (reps still on a unit in `units`, or the units), shaped as the engine's rows;
    None when `d` or a filter is not about reps or units."""
    table = d.key.split(".")[0] if d.key else None
    if table not in _LISTED or any(ref.split(".")[0] not in _LISTED for ref in filters):
        return None
    users, unit_table = TABLES["users"], TABLES["sales_units"]
    cols = [column(d.key).label("key")] + ([column(d.label_column).label("label")] if d.label_column else [])
    if table == "users":
        q = select(*cols).select_from(users.join(unit_table, unit_table.c.id == users.c.unit_id)).where(
            users.c.role == "rep", users.c.disabled_at.is_(None))
    elif any(ref.startswith("users.") for ref in filters):
        return None
    else:
        q = select(*cols).select_from(unit_table)
    if units is not None:
        q = q.where(unit_table.c.id.in_(units))
    for ref, values in filters.items():
        q = q.where(column(ref).in_(values))
    out = []
    for rec in session.execute(q.distinct()).mappings():
        row = {d.name: rec["key"]}
        if d.label_column:
            row[f"{d.name}_label"] = rec["label"]
        out.append(row)
    return out


def nothing_of(m: Metric) -> float | None:
    """What a metric reads for a group with no rows: 0 for a count or a sum, nothing for an average or a rate."""
    return 0 if m.measure and m.measure["agg"] in ("count", "count_distinct", "sum") else None
