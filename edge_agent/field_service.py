"""Field service at one site: work orders, spare-part moves, technician dispatch and scan events.

Plain domain code over a `RecordStore`: no HTTP, no sync, no wasm. Capability results (weight and scan checks,
routes) are passed in already computed, so the same functions serve the node, the centre and the tests.
"""
from __future__ import annotations

import re
from collections import defaultdict

from edge_agent.conflicts import STATUSES
from edge_agent.records import RecordNotFound, RecordStore

WORK_ORDER_TYPES = ("repair", "maintenance", "inspection", "installation", "insurance_claim")
PRIORITIES = ("low", "normal", "high", "urgent")
_NUMBER = re.compile(r"^(?:WO-)?([0-9a-fA-F]{8})$")


class WorkOrderNotFound(LookupError):
    """No work order matches the reference; the message says what was looked for."""


class WorkOrderRefused(ValueError):
    """The change is not allowed in the work order's current state; the message says why and what to do."""


class InvalidRequest(ValueError):
    """A value is not acceptable (unknown type, empty title, bad quantity); the message says what would be."""


def number_of(record_id: str) -> str:
    """The short number people say and type: WO- and the first 8 hex digits of the id."""
    return "WO-" + record_id[:8].upper()


class FieldService:
    """The edge node's domain. `writer` is who makes each change: a node id, or "central" at the centre."""

    def __init__(self, records: RecordStore):
        self.records = records

    # -- work orders ----------------------------------------------------------------------------------------
    def create_work_order(self, *, title: str, asset: str | None = None, location: str | None = None,
                          wo_type: str = "maintenance", priority: str = "normal", needs_case: bool = False,
                          account_id: int | None = None, record_id: str | None = None) -> dict:
        if wo_type not in WORK_ORDER_TYPES:
            raise InvalidRequest(f"work order type {wo_type!r} is unknown; use one of {', '.join(WORK_ORDER_TYPES)}")
        _check_priority(priority)
        if not title.strip():
            raise InvalidRequest("a work order needs a title, e.g. 'replace seal on pump P-12'")
        fields = {"title": title.strip(), "asset": asset, "location": location, "type": wo_type, "account_id": account_id}
        record = self.records.create(
            "work_order", fields, record_id=record_id,
            registers={"status": "open", "priority": priority, "needs_case": bool(needs_case)},
            entry={"title": fields["title"]},
        )
        return _with_number(record)

    def assign(self, ref: str, technician: str, *, op_id: str | None = None, via: str | None = None) -> dict:
        rid = self.find_work_order(ref)
        if repeated := self._repeated(rid, op_id):
            return repeated
        current = self._open_work_order(rid, "assign")
        if not technician.strip():
            raise InvalidRequest("name the technician to assign, e.g. 'assign WO-1A2B3C4D to Zhang Wei'")
        changes = {"assignee": technician.strip(), **_advance(current["fields"]["status"], "assigned")}
        return self._update(rid, {"op": "assigned", "technician": technician.strip()}, set_fields=changes, op_id=op_id, via=via)

    def progress(self, ref: str, *, percent: int | None = None, labour_minutes: int = 0, note: str | None = None,
                 op_id: str | None = None, via: str | None = None) -> dict:
        rid = self.find_work_order(ref)
        if repeated := self._repeated(rid, op_id):
            return repeated
        current = self._open_work_order(rid, "report progress on")
        fields = current["fields"]
        changes: dict = _advance(fields["status"], "in_progress")
        if percent is not None:
            if not 0 <= int(percent) <= 100:
                raise InvalidRequest(f"progress is a percentage from 0 to 100, got {percent}")
            if int(percent) < fields["progress_pct"]:
                raise WorkOrderRefused(f"{fields['number']} is already at {fields['progress_pct']}%; progress only moves forward")
            changes["progress_pct"] = int(percent)
        if labour_minutes < 0:
            raise InvalidRequest("labour minutes are booked, never taken back; book a correction as a note")
        entry = {"op": "progress", "percent": percent, "labour_minutes": labour_minutes, **({"note": note} if note else {})}
        return self._update(rid, entry, set_fields=changes, add_to={"labour_minutes": labour_minutes} if labour_minutes else None,
                            op_id=op_id, via=via)

    def close(self, ref: str, *, note: str | None = None, needs_case: bool | None = None, op_id: str | None = None,
              via: str | None = None) -> dict:
        rid = self.find_work_order(ref)
        current = self.records.read("work_order", rid)
        if current["fields"]["status"] == "closed":
            return _with_number(current)  # closing twice changes nothing
        changes: dict = {"status": "closed"}
        if needs_case:
            changes["needs_case"] = True
        return self._update(rid, {"op": "closed", **({"note": note} if note else {})}, set_fields=changes, op_id=op_id, via=via)

    def add_note(self, ref: str, text: str, *, op_id: str | None = None, via: str | None = None) -> dict:
        rid = self.find_work_order(ref)
        if not text.strip():
            raise InvalidRequest("a note needs some text")
        return self._update(rid, {"op": "note", "note": text.strip()}, op_id=op_id, via=via)

    def set_priority(self, ref: str, priority: str, *, op_id: str | None = None, via: str | None = None) -> dict:
        _check_priority(priority)
        rid = self.find_work_order(ref)
        return self._update(rid, {"op": "priority", "priority": priority}, set_fields={"priority": priority}, op_id=op_id,
                            via=via)

    def work_orders(self, *, status: str | None = None, open_only: bool = False) -> list[dict]:
        rows = self.records_of("work_order")
        if status:
            rows = [r for r in rows if r["fields"]["status"] == status]
        if open_only:
            rows = [r for r in rows if r["fields"]["status"] != "closed"]
        return rows

    def records_of(self, kind: str) -> list[dict]:
        """Every record of a kind as plain data (work orders with their numbers), oldest first."""
        rows = self.records.all(kind)
        if kind == "work_order":
            rows = [_with_number(r) for r in rows]
        return sorted(rows, key=lambda r: (r["created_at"], r["id"]))

    def work_order(self, ref: str) -> dict:
        return _with_number(self.records.read("work_order", self.find_work_order(ref)))

    def find_work_order(self, ref: str) -> str:
        """A work order id from its id or its number (WO-1A2B3C4D, or just 1a2b3c4d)."""
        ref = ref.strip()
        if len(ref) == 36 and self.records.get("work_order", ref) is not None:
            return ref
        match = _NUMBER.match(ref)
        ids = self.records.find_prefix("work_order", match.group(1)) if match else []
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise WorkOrderNotFound(f"{ref} matches {len(ids)} work orders; use the full id")
        raise WorkOrderNotFound(f"no work order {ref}; 'list open work orders' shows the numbers")

    # -- parts, people, scans -------------------------------------------------------------------------------
    def record_inventory_move(self, *, part: str, quantity: int, from_location: str, to_location: str,
                              work_order_id: str | None = None, weight_check: dict | None = None,
                              record_id: str | None = None) -> dict:
        if int(quantity) <= 0:
            raise InvalidRequest(f"move a positive quantity of {part}; got {quantity} (swap the locations to move back)")
        if from_location == to_location:
            raise InvalidRequest(f"{part} is already at {to_location}; name a different destination")
        fields = {"part": part, "quantity": int(quantity), "from_location": from_location, "to_location": to_location,
                  "work_order_id": self.find_work_order(work_order_id) if work_order_id else None, "weight_check": weight_check}
        return self.records.create("inventory_move", fields, record_id=record_id, entry={"part": part, "quantity": int(quantity)})

    def stock(self) -> dict[str, dict[str, int]]:
        """On-hand quantity per part and location, from every move (moves never conflict: they only add up)."""
        levels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for move in self.records.all("inventory_move"):
            f = move["fields"]
            levels[f["part"]][f["from_location"]] -= int(f["quantity"])
            levels[f["part"]][f["to_location"]] += int(f["quantity"])
        return {part: dict(locs) for part, locs in levels.items()}

    def dispatch(self, *, technician: str, work_order_ids: list[str], stops: list[list[int]] | None = None,
                 route: dict | None = None, record_id: str | None = None) -> dict:
        ids = [self.find_work_order(ref) for ref in work_order_ids]
        fields = {"technician": technician, "work_order_ids": ids, "stops": stops or [], "route": route}
        return self.records.create("dispatch", fields, record_id=record_id, entry={"technician": technician})

    def record_scan(self, *, code: str, source: str = "barcode", work_order_id: str | None = None,
                    check: dict | None = None, record_id: str | None = None) -> dict:
        fields = {"code": code, "source": source, "check": check,
                  "work_order_id": self.find_work_order(work_order_id) if work_order_id else None}
        return self.records.create("scan", fields, record_id=record_id, entry={"code": code})

    # -- helpers --------------------------------------------------------------------------------------------
    def _repeated(self, rid: str, op_id: str | None) -> dict | None:
        """The record as it is, if this operation id was applied before (a client retry)."""
        if op_id and self.records.has_entry("work_order", rid, op_id):
            return _with_number(self.records.read("work_order", rid))
        return None

    def _open_work_order(self, rid: str, action: str) -> dict:
        current = _with_number(self.records.read("work_order", rid))
        if current["fields"]["status"] == "closed":
            raise WorkOrderRefused(f"cannot {action} {current['fields']['number']}: it is closed; open a new work order for further work")
        return current

    def _update(self, rid: str, entry: dict, *, set_fields: dict | None = None, add_to: dict | None = None,
                op_id: str | None = None, via: str | None = None) -> dict:
        if via:  # who asked the writer to make the change (at the centre: the node or admin behind the credential)
            entry = {**entry, "via": via}
        try:
            record = self.records.update("work_order", rid, entry, set_fields=set_fields, add_to=add_to, entry_id=op_id)
        except RecordNotFound as exc:
            raise WorkOrderNotFound(str(exc)) from None
        return _with_number(record)


def _with_number(record: dict) -> dict:
    record["fields"].setdefault("number", number_of(record["id"]))
    return record


def _advance(current: str, wanted: str) -> dict:
    """The status change, if `wanted` is further along than `current` (status never moves back)."""
    return {"status": wanted} if STATUSES.index(wanted) > STATUSES.index(current) else {}


def _check_priority(priority: str) -> None:
    if priority not in PRIORITIES:
        raise InvalidRequest(f"priority {priority!r} is unknown; use one of {', '.join(PRIORITIES)}")
