"""The groups a breakdown has where nothing was recorded: "which of my reps hasn't logged anything this week?" must
show the reps with no activity, "which accounts haven't placed an order this year?" the accounts with no order, whom
no row of the facts names. Reps, units and accounts are listed within the asker's units, products all."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.metrics.catalog import Dimension, Metric
from crm.metrics.compiler import TABLES, column

# the table a dimension's key lives on → how its rows reach a sales unit (None: company-wide)
_LISTED = {"users": "users.unit_id", "sales_units": "sales_units.id", "accounts": "accounts.unit_id", "products": None}


def members(session: Session, d: Dimension, units: tuple[int, ...] | None,
            filters: dict[str, tuple[str, ...]]) -> list[dict] | None:
    """Every group of `d` in scope (reps still on a unit in `units`, those units, their accounts, or every product),
    shaped as the engine's rows; None when `d` or a filter is not one of these."""
    table = d.key.split(".")[0] if d.key else None
    if table not in _LISTED:
        return None
    unit_ref = _LISTED[table]
    units_table = TABLES["sales_units"]
    reachable = {table} | ({"sales_units"} if unit_ref else set())
    # a filter on the facts themselves (a channel, a stage) narrows what is counted, not who is listed; one on other
    # people or records (the accounts of a rep's activities) would need their link: then no group is added
    if any(ref.split(".")[0] in _LISTED and ref.split(".")[0] not in reachable for ref in filters):
        return None
    filters = {ref: values for ref, values in filters.items() if ref.split(".")[0] in reachable}
    cols = [column(d.key).label("key")] + ([column(d.label_column).label("label")] if d.label_column else [])
    source = TABLES[table]
    if unit_ref and table != "sales_units":
        source = source.join(units_table, units_table.c.id == column(unit_ref))
    q = select(*cols).select_from(source)
    if table == "users":
        q = q.where(TABLES["users"].c.role == "rep", TABLES["users"].c.disabled_at.is_(None))
    if unit_ref and units is not None:
        q = q.where(units_table.c.id.in_(units))
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
