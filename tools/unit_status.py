"""Tool: the boundary dashboard: how far each unit is from its red lines, its budgets, decisions and escalations."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from crm.autonomy.dashboard import boundary_status
from crm.language import name_sides
from tools.base import ToolContext, ToolSpec, entity


class UnitStatusArgs(BaseModel):
    unit: str | None = entity("unit", "one sales unit's code, e.g. east-enterprise, or 'mine' for your own units "
                                      "(a manager's region, a rep's unit); default: every unit you can see", None)
    closest_by: Literal["margin", "acquisition_cost", "cycle_time", "budget"] = Field(
        "margin", description="which limit to rank units by, nearest first")


def run(ctx: ToolContext, args: UnitStatusArgs) -> dict:
    with ctx.store.session() as s:
        status = boundary_status(s, ctx.actor, today=ctx.today, unit=args.unit, closest_by=args.closest_by)
    items = [_row(u) for u in status["units"]]
    out = {"items": items, "total": len(items), "closest": status["closest"], "about": status["about"]}
    lead = _answer(status)
    return {**lead, **out} if lead else out


def _answer(status: dict) -> dict:
    """The answer first, as a verdict worded in the asker's language (replies.yaml, tools: unit_status): the unit
    nearest the limit asked about (the only one, when one was asked for), how far it is from it, and its discount
    budget and margin room beside."""
    units = status["units"]
    top = next((u for u in units if u["unit"] == status["closest"]), units[0] if units else None)
    if top is None or not top["contract"]:
        return {}
    metric = {m["metric"]: m for m in top["metrics"]}
    budget = next((b for b in top["budgets"] if b["pool"] == "discount"), None)
    margin = metric.get("margin", {})
    values = {"unit": dict(zip(("en", "zh"), name_sides(top["name"]))), "units": len(units),  # as the asker speaks "margin": _points(margin.get("value")),
              "floor": _points(margin.get("limit")), "room": _points(margin.get("distance"))}
    values.update(used=_money(budget["used"]) if budget else None, limit=_money(budget["limit"]) if budget else None,
                  left=_money(budget["left"]) if budget else None, period=budget["period"] if budget else None)
    closest_by = status["closest_by"]
    if closest_by in ("acquisition_cost", "cycle_time"):
        m = metric.get(closest_by, {})
        values.update(value=m.get("value"), ceiling=m.get("limit"), distance=m.get("distance"))
    return {"verdict": closest_by + ("" if len(units) == 1 else "_of_many"), "values": values}


def _points(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _money(value: float) -> str:
    return f"¥{value:,.0f}"


def _row(u: dict) -> dict:
    metric = {m["metric"]: m for m in u["metrics"]}
    budget = next((b for b in u["budgets"] if b["pool"] == "discount"), {})
    margin = metric.get("margin", {})
    return {"unit": u["unit"], "contract": u["contract"], "margin": margin.get("value"),
            "margin_floor": margin.get("limit"), "margin_room_pp": margin.get("distance"),
            "discount_used": budget.get("used"), "discount_left": budget.get("left"),
            "decisions": ", ".join(f"{k} {v}" for k, v in sorted(u["decisions"].items())) or "—",
            "escalations": u["escalations"]["pending"], "breaches": u["red_line_breaches"]}


TOOL = ToolSpec(
    name="unit_status",
    summary=("The boundary dashboard of the autonomous sales units: per unit the distance of margin, acquisition "
             "cost and cycle time from their limits, budget used and left, decisions by outcome, escalations and "
             "red-line breaches."),
    args=UnitStatusArgs,
    run=run,
    examples=[
        "which unit is closest to its margin floor",
        "show the autonomy dashboard for every unit",
        "how much discount budget does east-enterprise have left",
        "which unit has the most red-line breaches",
        "how far is south-retail from its limits",
        "哪个单元离毛利红线最近?",
        "各单元的折扣预算还剩多少",
        "看一下华北工业部的边界状态",
        "哪个团队的获客成本最接近上限",
        "自治单元的升级审批有多少在等",
        "which unit is about to run out of discount budget",
        "哪个团队的折扣额度快用完了",
        "how is my team doing against its budget",
        "我们区的预算还剩多少",
    ],
)
