"""Schemathesis against the app's own OpenAPI schema, in process (ASGI): every operation, valid and invalid
inputs, bounded examples. Zero 5xx and zero schema violations (status codes, content types, response bodies and
headers as documented), with each operation called by a user whose token may use it."""
from __future__ import annotations

import shutil
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from tests.conftest import FIXED_NOW, settings_for
from tests.security.conftest import Api
from tessera.runtime import Tessera

EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}  # per operation: well under a minute in all
CALLER = {"/v1/me": "cust.chen.jing", "/v1/units": "zhao.lei", "/v1/approvals": "zhao.lei"}  # else a rep
LAST = ("/v1/me/erase",)  # erasing the caller ends the run's other /v1/me cases: called last
SLOW = {"/v1/me/erase": 3, "/v1/chat": 6, "/v1/chat/stream": 4, "/v1/units/{unit}/contract/replay": 6}  # at most
DEFAULT_REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
DEFAULT_ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
CONFIG = schemathesis.Config.from_dict({
    # 413 is a rejection too: a generated body past 64 KB is refused before it is parsed.
    "checks": {"negative_data_rejection": {"expected-statuses": [*DEFAULT_REJECTIONS, "413"]}},
    # Where the domain reads what the schema cannot describe, it answers 400 saying why: a contract is YAML that must
    # validate, an erasure asked for in words that name no category gets a question back, and a corrected phone or
    # email must look like one (the field named in the body decides which shape the value needs); a diff names each
    # side once, by version or by label, which the schema's independent parameters cannot say.
    "operations": [{"include-path": path,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*DEFAULT_ACCEPTANCE, "400"]}}}
                   for path in ("/v1/units/{unit}/contract/replay", "/v1/me/erasure/plan", "/v1/me/rectify",
                                "/v1/prompts/{name}/diff")],
})


@pytest.fixture(scope="module")
def api(seeded_template, tmp_path_factory):
    directory = tmp_path_factory.mktemp("schemathesis")
    shutil.copy(seeded_template, directory / "tessera.db")
    tessera = Tessera(settings_for(directory), clock=lambda: FIXED_NOW, seed=False)
    yield Api(tessera)
    tessera.close()


def caller_for(path: str) -> str:
    return next((login for prefix, login in CALLER.items() if path.startswith(prefix)), "li.wei")


def test_every_operation_answers_as_documented_and_never_with_a_5xx(api):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app, config=CONFIG)
    operations = sorted((op.ok() for op in schema.get_all_operations()), key=lambda op: op.path in LAST)
    assert len(operations) >= 15, [op.label for op in operations]
    ran, statuses, failures = Counter(), Counter(), []
    took = Counter()
    for operation in operations:
        started = time.perf_counter()
        for mode, examples in EXAMPLES.items():
            headers = api.auth(caller_for(operation.path))

            @settings(max_examples=min(examples, SLOW.get(operation.path, examples)), deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                ran[mode.value] += 1
                if mode is GenerationMode.POSITIVE and "Idempotency-Key" in (case.headers or {}):
                    # A generated key recurs across cases with other bodies, which is a reuse the API rightly
                    # refuses (422); each case here is a new request, so its key is made unique.
                    case.headers["Idempotency-Key"] = f"{case.headers['Idempotency-Key'][:180]}-{ran.total()}"
                response = case.call(headers=headers, timeout=120)
                statuses[response.status_code] += 1
                try:
                    case.validate_response(response, headers=headers, transport_kwargs={"headers": headers})
                except FailureGroup as group:
                    failures.extend(f"{operation.label} [{mode.value}] {f.title} -> {response.status_code} "
                                    f"{response.content[:200]!r}\n    {case.as_curl_command()[:400]}"
                                    for f in group.exceptions)

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
                assert mode is GenerationMode.NEGATIVE, operation.label
        took[operation.label] = round(time.perf_counter() - started, 1)
    print("seconds per operation:", dict(took.most_common()))
    print(f"schemathesis: {sum(ran.values())} cases over {len(operations)} operations ({dict(ran)}), "
          f"{len(failures)} failures; statuses {dict(sorted(statuses.items()))}")
    assert failures == [], "\n".join(failures)
