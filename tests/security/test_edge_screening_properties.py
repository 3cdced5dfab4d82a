"""Property: whatever a node puts into a record (any key, any JSON or non-JSON value, at any level the CRDT
allows), the centre's reads and reviews never fail: the record is either shown exactly as the honest code wrote it,
or quarantined with a reason, and the records around it are shown unchanged."""
from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Map

from edge_agent.hub import EdgeHub
from edge_agent.records import RecordQuarantined
from tests.security.test_edge_untrusted_sync import Site

json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False)
                           | st.text(max_size=30), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
keys = st.sampled_from(["head", "r/status/plant-7", "r/priority/plant-7", "r/progress_pct/plant-7", "r/needs_case/plant-7",
                        "r/labour_minutes/plant-7", "r/assignee/plant-7", "r/status/central", "h/x1", "h/created",
                        "junk", "r/nosuch/plant-7"])
values = st.one_of(
    json_values.map(lambda v: json.dumps(v)),  # JSON text of any shape
    st.text(max_size=20),  # not JSON at all, or JSON by accident
    st.fixed_dictionaries({"v": json_values, "hlc": st.sampled_from(["0000000001000.000000.plant-7", "9", ""]),
                           "seen": json_values}).map(json.dumps),  # register-shaped
    st.fixed_dictionaries({"op": st.sampled_from(["note", "followup", "boom"]), "by": st.sampled_from(["plant-7", "central", 7]),
                           "hlc": st.just("0000000001000.000000.plant-7"), "at": st.just("2026-01-01T00:00:00Z"),
                           "note": st.text(max_size=40)}).map(json.dumps),  # entry-shaped
    st.integers().map(float),  # a number where JSON text belongs
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(st.tuples(keys, values), min_size=1, max_size=4))
def test_no_synced_value_breaks_the_centres_reads_or_reviews(tmp_path_factory, edits):
    tmp = tmp_path_factory.mktemp("prop")
    site = Site(tmp / "site.db")
    bystander = site.service.create_work_order(title="pump P-12 leaking", wo_type="repair")
    target = site.service.create_work_order(title="press PR-4", wo_type="repair")["id"]
    for key, value in edits:
        site.record("work_order", target)[key] = value
    hub = EdgeHub(tmp / "hub", None, synchronous="NORMAL", site_account=lambda node: 3)

    async def scenario():
        site.push_to(hub)
        await hub.review()  # never raises
        room = hub.rooms["plant-7"]
        listed = {r["id"]: r for r in room.service.records_of("work_order")}
        try:
            one = room.service.work_order(target)
        except RecordQuarantined:
            one = None
        return room, listed, one

    room, listed, one = asyncio.run(scenario())
    assert listed[bystander["id"]]["fields"]["title"] == "pump P-12 leaking"  # the rest goes on
    if ("work_order", target) in room.records.quarantined:
        assert target not in listed and one is None and room.records.quarantined[("work_order", target)]
    else:
        assert listed[target] == one  # shown, and the same however it is read
    hub.log.close()
    site.docset.log.close()


def test_the_property_would_see_a_crash(tmp_path):
    """The property can fail: a reader without screening breaks on the same kind of value."""
    site = Site(tmp_path / "site.db")
    target = site.service.create_work_order(title="x")["id"]
    site.record("work_order", target)["r/assignee/plant-7"] = json.dumps({"v": "a", "hlc": "9", "seen": {}})
    site.record("work_order", target)["junk"] = Map({"a": "b"})
    raw = site.records._plain
    try:
        raw("work_order", {k: json.loads(v) for k, v in json.loads(str(site.record("work_order", target))).items()})
    except (ValueError, TypeError, KeyError, AttributeError):
        return
    raise AssertionError("an unscreened read accepted a malformed clock stamp")
