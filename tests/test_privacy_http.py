"""The /v1/me privacy API on a small app: data, consents, receipts, export, rectify, erase, requests."""
from __future__ import annotations

import io
import zipfile

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from channels.auth import issue_token
from channels.http_privacy import router
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401


def bearer(tessera, login: str) -> dict:
    with tessera.store.session() as s:
        return {"Authorization": f"Bearer {issue_token(s, login)}"}


@pytest.fixture
def client(ptessera) -> TestClient:
    """The customer cust.chen.jing, signed in by her own token (which alone says who she is)."""
    app = FastAPI()
    app.state.tessera = ptessera
    app.include_router(router)
    return TestClient(app, headers=bearer(ptessera, "cust.chen.jing"))


def test_my_data_per_category_with_source_purposes_sharing_and_expiry(client):
    data = client.get("/v1/me/data").json()
    phone = data["user.contact.phone_number"]
    assert phone["values"][0]["value"].startswith("+86") and phone["values"][0]["source"]["channel"]
    assert phone["shared_with"] == ["SF Express (顺丰速运)"] and phone["expires"]
    assert "销售跟进" in phone["purposes"]


def test_revoking_by_put_changes_consents_and_yields_an_iso_27560_receipt(client):
    changed = client.put("/v1/me/consents/user.contact/sales.follow_up", json={"granted": False})
    assert changed.status_code == 200, changed.text
    receipt = client.get(f"/v1/me/receipts/{changed.json()['receipt']}").json()
    assert receipt["header"]["schema_version"].startswith("ISO/IEC TS 27560")
    assert receipt["events"][0]["status"] == "dpv:ConsentWithdrawn"
    consents = client.get("/v1/me/consents").json()["consents"]
    assert {"category": "user.contact", "purpose": "sales.follow_up", "status": "refused"}.items() <= \
        next(c for c in consents if c["purpose"] == "sales.follow_up").items()
    bad = client.put("/v1/me/consents/user.contact/telepathy", json={"granted": True})
    assert bad.status_code == 422 and "marketing.communications" in bad.text  # the error lists the valid purposes


def test_export_as_json_and_zip_rectify_then_erase_with_confirmation(client):
    assert client.get("/v1/me/export").json()["personal_data"]
    archive = client.get("/v1/me/export.zip")
    assert archive.headers["content-type"] == "application/zip"
    assert "personal_data.csv" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    fixed = client.post("/v1/me/rectify", json={"field": "email", "value": "jing.chen@beichen-med.cn"})
    assert fixed.json()["old"] == "chen.jing@beichen-med.cn"
    plan = client.post("/v1/me/erasure/plan", json={"category": "user"}).json()
    # 陈静 writes Chinese: the plan she confirms names its places in Chinese, as its summary does
    assert plan["changes"][0] == {"what": "您的姓名、职位、邮箱、电话、城市", "where": "contacts", "count": 5}
    assert any("GDPR Art. 5(2)" in k["rule"] for k in plan["kept"]) and plan["undo"] is None
    kinds = [r["kind"] for r in client.get("/v1/me/requests").json()["requests"]]
    assert kinds == ["rectify"]  # a copy of one's data is no request, and a plan is not one: nothing was written
    assert client.post("/v1/me/erasure", json={"category": "user"}).status_code == 422  # no plan id
    erased = client.post("/v1/me/erasure", json={"category": "user", "plan_id": plan["plan_id"]}).json()
    assert erased["erased"]["your name, job title, e-mail, phone, city"] == 5 and erased["kept"]
    assert client.get("/v1/me/data").status_code == 401  # the login is closed with the person, and her token too


def test_a_confirmation_is_bound_to_the_plan_shown_and_refused_when_the_data_changed(client):
    plan = client.post("/v1/me/erasure/plan", json={"what": "我的购买记录"}).json()
    assert plan["scope"] == "user.behavior.purchase_history"
    assert plan["changes"] == [{"what": "您数据保险库中的条目", "where": "privacy_vault_items", "count": 1}]
    client.post("/v1/me/rectify", json={"field": "phone", "value": "+86 139 0000 1111"})
    everything = client.post("/v1/me/erasure/plan", json={"category": "user"}).json()
    client.post("/v1/me/rectify", json={"field": "city", "value": "杭州"})  # the data changes again
    stale = client.post("/v1/me/erasure", json={"category": "user", "plan_id": everything["plan_id"]})
    assert stale.status_code == 409 and "look at the new plan" in stale.json()["detail"]
    wrong_scope = client.post("/v1/me/erasure", json={"category": "user", "plan_id": plan["plan_id"]})
    assert wrong_scope.status_code == 409  # a purchase-history plan does not confirm erasing everything
    assert client.get("/v1/me/data").json()["user.contact.phone_number"]["values"][0]["value"] == \
        "+86 139 0000 1111"  # nothing was erased by the refused confirmations
    done = client.post("/v1/me/erasure", json={"category": plan["scope"], "plan_id": plan["plan_id"]})
    assert done.status_code == 200 and done.json()["erased"] == {"items in your data vault": 1}


def test_an_unclear_erasure_request_is_answered_with_a_question(client):
    unclear = client.post("/v1/me/erasure/plan", json={"what": "hmm"})
    assert unclear.status_code == 400 and "what should I erase" in unclear.json()["detail"]


def test_staff_and_strangers_get_no_customer_data(client, ptessera):
    staff = client.get("/v1/me/data", headers=bearer(ptessera, "li.wei"))
    assert staff.status_code == 403 and "privacy" in staff.json()["detail"]  # a staff token holds no privacy scope
    assert client.get("/v1/me/data", headers={"Authorization": "Bearer tsk_forged"}).status_code == 401
    assert client.get("/v1/me/data", headers={"Authorization": ""}).status_code == 401
