"""Schemathesis against the edge hub's routes as `tessera serve` mounts them, in process: every operation, valid
and invalid inputs, bounded examples, called once with an admin token and once with a node's own credential.
Zero 5xx and zero schema violations (undocumented statuses, bodies or content types)."""
from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from tests.security.edge_support import Centre

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}


@pytest.mark.parametrize("caller", ["admin", "node"])
def test_every_edge_operation_answers_as_documented_and_never_with_a_5xx(store, tmp_path, caller):
    centre = Centre(store, tmp_path)
    token = centre.admin_token if caller == "admin" else centre.credential7
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(centre.app, raise_server_exceptions=False):
        room = centre.hub.room("plant-7")
        room.service.create_work_order(title="pump P-12 leaking", wo_type="maintenance")
        schema = schemathesis.openapi.from_asgi("/openapi.json", centre.app)
        operations = [op.ok() for op in schema.get_all_operations()]
        assert len(operations) >= 10, [op.label for op in operations]
        ran, statuses, failures = Counter(), Counter(), []
        started = time.perf_counter()
        for operation in operations:
            for mode, examples in EXAMPLES.items():
                @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
                @given(case=operation.as_strategy(generation_mode=mode))
                def run(case):
                    if case.path_parameters and "node_id" in case.path_parameters and mode is GenerationMode.POSITIVE \
                            and ran[operation.label] % 2 == 0:
                        case.path_parameters["node_id"] = "plant-7"  # half the valid cases reach a real room
                    ran[operation.label] += 1
                    response = case.call(headers=headers)
                    statuses[response.status_code] += 1
                    try:
                        case.validate_response(response, headers=headers, transport_kwargs={"headers": headers})
                    except FailureGroup as group:
                        failures.extend(f"{operation.label} [{mode.value}] {f.title} -> {response.status_code} "
                                        f"{response.content[:200]!r}" for f in group.exceptions)

                try:
                    run()
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, operation.label
    print(f"schemathesis (edge, {caller}): {sum(ran.values())} cases over {len(operations)} operations in "
          f"{time.perf_counter() - started:.0f}s, {len(failures)} failures; statuses {dict(sorted(statuses.items()))}")
    assert statuses[500] == 0 and failures == [], "\n".join(failures[:20])


def test_the_schema_lists_exactly_the_domains_priorities_and_record_kinds():
    from typing import get_args

    from edge_agent.field_service import PRIORITIES
    from edge_agent.http import Priority
    from edge_agent.hub_http import RecordKind
    from edge_agent.records import KINDS

    assert get_args(RecordKind) == KINDS
    assert get_args(Priority.model_fields["priority"].annotation) == PRIORITIES
