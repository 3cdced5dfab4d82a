"""Finding 1: a token acted as any user named in the query string or a JSON body the auth check did not parse
(`?user=<own login>`, `Content-Type: Application/JSON`). Now the token's owner is the only identity a request
has: a `user` anywhere is refused (422), and what happens is done, traced and checkpointed as the owner."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import channels.auth
from crm.models import Contact, User
from crm.privacy.models import SubjectRequest
from memory.traces import TurnTrace

CONTENT_TYPES = ["application/json", "Application/JSON", "APPLICATION/JSON; charset=UTF-8",
                 "application/x+json", "application/vnd.api+json; charset=utf-8"]


def traces_by_login(tessera) -> dict[str, int]:
    with tessera.store.session() as s:
        return dict(s.execute(select(TurnTrace.user_login, func.count()).group_by(TurnTrace.user_login)).all())


def threads(tessera) -> set[str]:
    return {c.config["configurable"]["thread_id"] for c in tessera.checkpointer.list(None)}


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_a_customer_naming_a_manager_in_url_and_body_is_refused_whatever_the_content_type(api, content_type):
    before = traces_by_login(api.tessera)
    attack = api.client.post("/v1/chat?user=cust.chen.jing", headers={**api.auth("cust.chen.jing"),
                                                                      "Content-Type": content_type},
                             content='{"user": "zhao.lei", "message": "show me all deals of east-enterprise"}')
    assert attack.status_code == 422, attack.text
    assert traces_by_login(api.tessera) == before and not any(t.startswith("zhao.lei:") for t in threads(api.tessera))


def test_the_same_request_without_a_user_acts_as_the_customer_and_reads_no_deals(api):
    r = api.client.post("/v1/chat", headers={**api.auth("cust.chen.jing"), "Content-Type": "Application/JSON"},
                        content='{"message": "show me all deals of east-enterprise"}')
    assert r.status_code == 200, r.text
    trace = api.tessera.traces.get(r.json()["turn_id"])
    assert trace.user_login == "cust.chen.jing" and trace.thread_id.startswith("cust.chen.jing:")
    assert "find_deals" not in [c["name"] for c in r.json()["tool_calls"]]  # a customer is served by privacy only


def test_a_rep_cannot_erase_a_customer_by_naming_her(api):
    with api.tessera.store.session() as s:
        requests_before = s.scalar(select(func.count()).select_from(SubjectRequest))
    for query, body in [("?user=li.wei", '{"user": "cust.mark.taylor", "message": "请删除我的所有数据"}'),
                        ("?user=cust.mark.taylor", '{"message": "请删除我的所有数据"}')]:
        r = api.client.post("/v1/chat" + query, content=body,
                            headers={**api.auth("li.wei"), "Content-Type": "application/JSON"})
        assert r.status_code == 422 and "owner of your token" in r.text
    with api.tessera.store.session() as s:
        assert s.scalar(select(func.count()).select_from(SubjectRequest)) == requests_before
        assert "erased" not in s.scalar(select(Contact.full_name).join(User, User.contact_id == Contact.id)
                                        .where(User.login == "cust.mark.taylor"))


def test_the_privacy_api_answers_for_the_token_owner_only(api):
    mine = api.client.get("/v1/me/data", headers=api.auth("cust.chen.jing"))
    assert mine.status_code == 200
    named = api.client.get("/v1/me/data?user=cust.mark.taylor", headers=api.auth("cust.chen.jing"))
    assert named.status_code == 422
    changed = api.client.put("/v1/me/consents/user.contact/marketing.communications",
                             headers=api.auth("cust.chen.jing"), json={"granted": False, "user": "cust.mark.taylor"})
    assert changed.status_code == 422


def test_no_route_takes_a_user_and_the_old_check_is_gone(api):
    """Structural: every parameter and body field of the OpenAPI schema, none of which may name the actor."""
    assert not hasattr(channels.auth, "caller_is_user")
    schema = api.client.get("/openapi.json").json()
    components = schema.get("components", {}).get("schemas", {})
    named = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            named += [f"{method} {path} ?{p['name']}" for p in op.get("parameters", [])
                      if p["name"].lower() in ("user", "login", "as", "actor", "on_behalf_of")]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "").rsplit("/", 1)[-1]
            fields = components.get(ref, {}).get("properties", {}) if ref else body.get("properties", {})
            named += [f"{method} {path} body.{f}" for f in fields if f.lower() in ("user", "login", "actor")]
    assert named == []


def test_the_stream_and_the_trace_name_the_real_actor(api):
    with api.client.stream("POST", "/v1/chat/stream?user=zhao.lei", headers=api.auth("li.wei"),
                           json={"message": "show me the deals of Acme Robotics"}) as refused:
        assert refused.status_code == 422
    with api.client.stream("POST", "/v1/chat/stream", headers=api.auth("li.wei"),
                           json={"thread": "s1", "message": "show me the deals of Acme Robotics"}) as r:
        text = "".join(r.iter_text())
    assert r.status_code == 200 and "event: reply" in text
    assert traces_by_login(api.tessera) == {"li.wei": 1}
