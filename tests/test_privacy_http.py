"""The /v1/me privacy API on a small app: data, consents, receipts, export, rectify, erase, requests."""
from __future__ import annotations

import io
import zipfile

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from channels.http_privacy import router
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401

ME = {"user": "cust.chen.jing"}


@pytest.fixture
def client(ptessera) -> TestClient:
    app = FastAPI()
    app.state.tessera = ptessera
    app.include_router(router)
    return TestClient(app)


def test_my_data_per_category_with_source_purposes_sharing_and_expiry(client):
    data = client.get("/v1/me/data", params=ME).json()
    phone = data["user.contact.phone_number"]
    assert phone["values"][0]["value"].startswith("+86") and phone["values"][0]["source"]["channel"]
    assert phone["shared_with"] == ["SF Express (顺丰速运)"] and phone["expires"]
    assert "销售跟进" in phone["purposes"]


def test_revoking_by_put_changes_consents_and_yields_an_iso_27560_receipt(client):
    changed = client.put("/v1/me/consents/user.contact/sales.follow_up", params=ME, json={"granted": False})
    assert changed.status_code == 200, changed.text
    receipt = client.get(f"/v1/me/receipts/{changed.json()['receipt']}", params=ME).json()
    assert receipt["header"]["schema_version"].startswith("ISO/IEC TS 27560")
    assert receipt["events"][0]["status"] == "dpv:ConsentWithdrawn"
    consents = client.get("/v1/me/consents", params=ME).json()["consents"]
    assert {"category": "user.contact", "purpose": "sales.follow_up", "status": "refused"}.items() <= \
        next(c for c in consents if c["purpose"] == "sales.follow_up").items()
    bad = client.put("/v1/me/consents/user.contact/telepathy", params=ME, json={"granted": True})
    assert bad.status_code == 400 and "unknown purpose 'telepathy'" in bad.json()["detail"]


def test_export_as_json_and_zip_rectify_then_erase_with_confirmation(client):
    assert client.get("/v1/me/export", params=ME).json()["personal_data"]
    archive = client.get("/v1/me/export.zip", params=ME)
    assert archive.headers["content-type"] == "application/zip"
    assert "personal_data.csv" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    fixed = client.post("/v1/me/rectify", params=ME, json={"field": "email", "value": "jing.chen@beichen-med.cn"})
    assert fixed.json()["old"] == "chen.jing@beichen-med.cn"
    assert client.post("/v1/me/erase", params=ME, json={"confirm": False}).status_code == 400
    kinds = [r["kind"] for r in client.get("/v1/me/requests", params=ME).json()["requests"]]
    assert kinds == ["export", "export", "rectify"]
    erased = client.post("/v1/me/erase", params=ME, json={"confirm": True}).json()
    assert erased["erased"]["contact fields"] == 5 and erased["kept"]
    assert client.get("/v1/me/data", params=ME).status_code == 404  # the login is closed with the person


def test_staff_and_strangers_get_no_customer_data(client):
    assert client.get("/v1/me/data", params={"user": "li.wei"}).status_code == 403
    assert client.get("/v1/me/data", params={"user": "nobody"}).status_code == 404
