"""Property: for random token owners, claimed users, content types (any case, `+json`, charsets, non-JSON),
query strings and bodies, no request acts as anyone but the token's owner. Checked on the store (traces,
checkpoint threads, consent records), not only on the status code."""
from __future__ import annotations

import json
import shutil
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.models import User
from crm.privacy.models import ConsentRecord
from memory.traces import TurnTrace
from tests.conftest import FIXED_NOW, settings_for
from tests.security.conftest import Api
from tessera.runtime import Tessera

OWNERS = ["li.wei", "zhao.lei", "olivia.wang", "cust.chen.jing", "cust.mark.taylor", "admin", "pe.sun"]
CLAIMED = OWNERS + ["cust.he.min", "erased-1", "ZHAO.LEI", " admin", "nobody", ""]
JSON_TYPES = ["application/json", "Application/JSON", "APPLICATION/JSON;charset=UTF-8", "application/x+json",
              "application/json; charset=utf-8", "application/vnd.tessera+json"]
CONTENT_TYPES = [None, "application/json", "Application/JSON", "APPLICATION/JSON;charset=UTF-8",
                 "application/json; charset=utf-8", "application/x+json", "application/vnd.tessera+json",
                 "application/json; charset=latin-1", "text/plain", "text/json", "application/jsonp",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz"]
NAMING_KEYS = ["user", "User", "USER", "login", "actor", "as", "user[]", "on_behalf_of"]
MESSAGES = ["hi", "show me the deals of Acme Robotics", "what do you hold about me?", "win rate by region"]
EXAMPLES = 40


@pytest.fixture(scope="module")
def api(seeded_template, tmp_path_factory):
    directory = tmp_path_factory.mktemp("impersonation")
    shutil.copy(seeded_template, directory / "tessera.db")
    tessera = Tessera(settings_for(directory), clock=lambda: FIXED_NOW, seed=False)
    yield Api(tessera)
    tessera.close()


# Half the requests come dressed (a naming query, a naming field, a foreign content type), half plain, so that both
# the refusals and the requests that do act are well represented.
queries = st.one_of(st.just([]), st.lists(st.tuples(st.sampled_from(NAMING_KEYS + ["thread", "q"]),
                                                    st.sampled_from(CLAIMED)), min_size=1, max_size=3))
content_types = st.one_of(st.sampled_from(JSON_TYPES), st.sampled_from(CONTENT_TYPES))
naming_fields = st.dictionaries(st.sampled_from(NAMING_KEYS), st.sampled_from(CLAIMED), max_size=2)


@st.composite
def chat_bodies(draw) -> bytes:
    fields = {"message": draw(st.sampled_from(MESSAGES))}
    if draw(st.booleans()):
        fields["thread"] = draw(st.sampled_from(["p1", "p2", "zhao.lei:p1", "../admin"]))
    shape = draw(st.one_of(st.just("json"), st.sampled_from(["json+naming", "array", "form", "text"])))
    if shape == "json+naming":
        fields |= draw(naming_fields)
    if shape == "array":
        return json.dumps([fields]).encode()
    if shape == "form":
        return urlencode({**fields, "user": draw(st.sampled_from(CLAIMED))}).encode()
    if shape == "text":
        return f"user={draw(st.sampled_from(CLAIMED))} {fields['message']}".encode()
    return json.dumps(fields, ensure_ascii=draw(st.booleans())).encode()


def headers_for(api: Api, owner: str, content_type: str | None) -> dict:
    return {"Authorization": f"Bearer {api.token(owner)}", **({"Content-Type": content_type} if content_type else {})}


def snapshot(api: Api) -> tuple[set[str], set[str]]:
    with api.tessera.store.session() as s:
        traces = set(s.scalars(select(TurnTrace.id)))
    return traces, {c.config["configurable"]["thread_id"] for c in api.tessera.checkpointer.list(None)}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owner=st.sampled_from(OWNERS), query=queries, content_type=content_types, body=chat_bodies(),
       stream=st.booleans())
def test_no_chat_request_acts_as_anyone_but_the_tokens_owner(api, owner, query, content_type, body, stream):
    traces_before, threads_before = snapshot(api)
    path = ("/v1/chat/stream" if stream else "/v1/chat") + (f"?{urlencode(query)}" if query else "")
    r = api.client.post(path, content=body, headers=headers_for(api, owner, content_type))
    event(f"status {r.status_code}")
    assert r.status_code < 500, r.text
    traces_after, threads_after = snapshot(api)
    with api.tessera.store.session() as s:
        acted = s.execute(select(TurnTrace.user_login, TurnTrace.thread_id)
                          .where(TurnTrace.id.in_(traces_after - traces_before))).all()
    assert all(login == owner and thread.startswith(f"{owner}:") for login, thread in acted), acted
    assert all(t.startswith(f"{owner}:") for t in threads_after - threads_before)
    if r.status_code == 200:
        assert len(acted) == 1  # the request did act, once, as its owner
    else:
        assert acted == []


baselines: dict[str, object] = {}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owner=st.sampled_from(OWNERS), query=queries, path=st.sampled_from(["/v1/whoami", "/v1/me/data",
                                                                           "/v1/me/consents", "/v1/units/status"]))
def test_no_read_answers_for_anyone_but_the_tokens_owner(api, owner, query, path):
    key = f"{owner} {path}"
    if key not in baselines:
        clean = api.client.get(path, headers=headers_for(api, owner, None))
        baselines[key] = (clean.status_code, clean.json())
    r = api.client.get(path + (f"?{urlencode(query)}" if query else ""), headers=headers_for(api, owner, None))
    event(f"status {r.status_code}")
    assert r.status_code < 500
    if r.status_code == 200:
        assert (r.status_code, r.json()) == baselines[key]  # the owner's own answer, whatever the query named
    else:
        assert r.status_code in (401, 403, 422) and (not query or r.status_code != 200)


def consents_per_login(api: Api) -> dict[str, int]:
    with api.tessera.store.session() as s:
        return dict(s.execute(select(User.login, func.count(ConsentRecord.id))
                              .join(ConsentRecord, ConsentRecord.contact_id == User.contact_id)
                              .group_by(User.login)).all())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owner=st.sampled_from(["cust.chen.jing", "cust.mark.taylor", "cust.he.min", "li.wei", "admin"]),
       query=queries, content_type=content_types, extra=st.one_of(st.just({}), naming_fields), granted=st.booleans())
def test_no_consent_change_lands_on_anyone_but_the_tokens_owner(api, owner, query, content_type, extra, granted):
    before = consents_per_login(api)
    path = "/v1/me/consents/user.contact/marketing.communications" + (f"?{urlencode(query)}" if query else "")
    r = api.client.put(path, content=json.dumps({"granted": granted, **extra}),
                       headers=headers_for(api, owner, content_type))
    event(f"status {r.status_code}")
    assert r.status_code < 500, r.text
    after = consents_per_login(api)
    changed = {login for login in after.keys() | before.keys() if after.get(login) != before.get(login)}
    assert changed == ({owner} if r.status_code == 200 else set()), (r.status_code, r.text, changed)
