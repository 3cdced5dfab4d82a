"""The discount reads a rep asks in chat, over HTTP and the CLI: a check against the contract, the decisions already
taken, the competitor prices. Each reads only, each within the caller's own units, and the wrong caller is refused."""
from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from channels.auth import issue_token
from channels.http_units import router
from tests.autonomy_support import LATER, call, clean, find_deal, units_dir, ustore  # noqa: F401
from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW, settings_for
from tests.security.erasure_support import changed_rows, snapshot
from tessera.runtime import Tessera

UNIT = "east-enterprise"  # li.wei's unit: auto up to 6%, at most 15%


@pytest.fixture
def client(units_dir):
    tessera = Tessera(settings_for(units_dir), clock=lambda: FIXED_NOW, seed=False)
    app = FastAPI()
    app.state.tessera = tessera
    app.include_router(router)
    with TestClient(app) as c:
        with tessera.store.session() as s:
            c.tokens = {login: {"Authorization": f"Bearer {issue_token(s, login)}"}
                        for login in ("li.wei", "james.liu", "zhao.lei", "cust.chen.jing")}
        yield c
    tessera.close()


def test_a_rep_checks_a_discount_over_http_and_gets_the_contracts_answer_with_nothing_booked(client, ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    before = snapshot(ustore)
    checked = client.get("/v1/units/discounts/check", headers=client.tokens["li.wei"],
                         params={"deal": facts.deal, "percent": 4, "promised_on": LATER.isoformat()})
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["deal"] == facts.deal and body["outcome"] == "accept" and body["percent"] == 4
    most = client.get("/v1/units/discounts/check", headers=client.tokens["li.wei"],
                      params={"deal": facts.deal, "promised_on": LATER.isoformat()}).json()
    assert most["asked"] is None and 0 < most["limits"]["most_percent"] <= 15
    assert changed_rows(before, snapshot(ustore)) == {}  # no decision, no booking, no amount changed
    tool = call(ustore, "li.wei", "check_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert tool["verdict"] == body["outcome"]  # the same answer as in chat


def test_the_wrong_caller_is_refused_a_discount_check(client, ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f))
    params = {"deal": facts.deal, "percent": 4}
    assert client.get("/v1/units/discounts/check", params=params).status_code == 401
    assert client.get("/v1/units/discounts/check", params=params,
                      headers=client.tokens["cust.chen.jing"]).status_code == 403  # a customer holds no units scope
    other_unit = client.get("/v1/units/discounts/check", params=params, headers=client.tokens["james.liu"])
    assert other_unit.status_code in (403, 404) and "outcome" not in other_unit.json()
    bad = client.get("/v1/units/discounts/check", params={"deal": facts.deal, "percent": 120},
                     headers=client.tokens["li.wei"])
    assert bad.status_code == 422


def test_decisions_and_competitor_prices_over_http_are_the_callers_units_only(client, ustore):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    booked = call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    assert booked["outcome"] == "accept"
    mine = client.get("/v1/units/discounts/decisions", params={"deal": facts.deal},
                      headers=client.tokens["li.wei"]).json()
    assert mine["total"] == 1 and mine["items"][0]["outcome"] == "accept" and mine["items"][0]["deal"] == facts.deal
    manager = client.get("/v1/units/discounts/decisions", headers=client.tokens["zhao.lei"]).json()
    assert facts.deal in [d["deal"] for d in manager["items"]]  # the east manager sees east's decisions
    other = client.get("/v1/units/discounts/decisions", headers=client.tokens["james.liu"]).json()
    assert facts.deal not in [d["deal"] for d in other["items"]]
    assert client.get("/v1/units/discounts/decisions", headers=client.tokens["cust.chen.jing"]).status_code == 403
    prices = client.get("/v1/units/competitor-prices", headers=client.tokens["li.wei"]).json()
    assert prices["total"] == len(prices["items"]) > 0 and {p["unit"] for p in prices["items"]} == {UNIT}
    assert client.get("/v1/units/competitor-prices", headers=client.tokens["cust.chen.jing"]).status_code == 403
    assert client.get("/v1/units/competitor-prices").status_code == 401


def test_the_cli_checks_a_discount_lists_decisions_and_prices_and_refuses_a_customer(ustore, units_dir):
    facts = find_deal(ustore, UNIT, 4, lambda f: clean(f) and f.new_margin > 0.25)
    settings = settings_for(units_dir)
    before = snapshot(ustore)
    checked = run_cli("units", "check-discount", "--deal", facts.deal, "--percent", "4", "--as", "li.wei",
                      "--promised-on", LATER.isoformat(), "--today", "2026-11-26", settings=settings)
    assert checked.exit_code == 0, checked.stdout
    assert f"{facts.deal}" in checked.stdout and "accept at 4%" in checked.stdout
    assert changed_rows(before, snapshot(ustore)) == {}
    call(ustore, "li.wei", "request_discount", deal=facts.deal, percent=4, promised_on=LATER.isoformat())
    listed = run_cli("units", "--json", "decisions", "--deal", facts.deal, "--as", "li.wei", settings=settings)
    assert listed.exit_code == 0 and json.loads(listed.stdout)["items"][0]["outcome"] == "accept"
    prices = run_cli("units", "competitor-prices", "--as", "li.wei", settings=settings)
    assert prices.exit_code == 0 and "competitor price(s)" in prices.stdout
    refused = run_cli("units", "decisions", "--as", "cust.chen.jing", settings=settings)
    assert refused.exit_code != 0
