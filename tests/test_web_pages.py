"""The web pages in a real browser: a customer signs in with a token and uses the data-control center; a rep
chats and opens a turn's trace. The app runs under uvicorn on a free local port; Chromium is Debian's."""
from __future__ import annotations

import io
import json
import os
import socket
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect

from channels.auth import issue_token
from channels.http_api import create_app
from channels.identities import seed_channels
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401  (fixtures)

CHROMIUM = Path("/usr/bin/chromium")
# The README's screenshots are refreshed only on request (TESSERA_SCREENSHOTS=docs/screenshots), so a test run
# never rewrites tracked files; otherwise they go to a temporary folder.
SCREENSHOTS = Path(os.environ.get("TESSERA_SCREENSHOTS") or tempfile.mkdtemp(prefix="tessera-shots-"))
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run scripts/ensure_chromium.sh")


def serve(app) -> tuple[str, uvicorn.Server, threading.Thread]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def site(ptessera):
    with ptessera.store.session() as s:
        seed_channels(s)
        tokens = {login: issue_token(s, login) for login in ("cust.chen.jing", "li.wei", "zhao.lei")}
    url, server, thread = serve(create_app(ptessera))
    yield url, tokens
    server.should_exit = True
    thread.join(timeout=10)  # before the store closes under a request still running


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def sign_in(page, url: str, path: str, token: str) -> None:
    page.goto(url + path)
    page.fill("#token", token)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")


def consents_of(page, url: str, token: str) -> dict | None:
    r = page.request.get(f"{url}/v1/me/consents", headers={"Authorization": f"Bearer {token}"})
    if r.status in (401, 403):
        return None
    return {(c["category"], c["purpose"]): c["granted"] for c in r.json()["consents"]}


def test_a_customer_sees_what_is_held_switches_a_purpose_off_exports_and_deletes(site, page):
    url, tokens = site
    token = tokens["cust.chen.jing"]
    sign_in(page, url, "/web/privacy", token)
    email = page.locator('article[data-category="user.contact.email"]')
    email.wait_for()
    assert "chen.jing@beichen-med.cn" in email.inner_text()
    assert "SF Express" in page.locator('article[data-category="user.contact.phone_number"]').inner_text()
    marketing = email.locator('input[data-purpose="marketing.communications"]')
    assert marketing.is_checked()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "data-control-center.png"), full_page=True)

    marketing.click()  # revoke
    page.wait_for_selector("#notice:has-text('receipt')")
    assert consents_of(page, url, token)[("user.contact", "marketing.communications")] is False
    assert not page.locator('article[data-category="user.contact.email"] input[data-purpose="marketing.communications"]').is_checked()

    page.click("#export")
    page.wait_for_selector("dialog#confirm[open]")
    with page.expect_download() as download:
        page.click("dialog#confirm [data-ok]")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert archive.namelist() and "chen.jing@beichen-med.cn" in json.dumps(
        [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()], ensure_ascii=False)

    page.click("#erase")  # everything: the plan is shown before anything happens
    page.wait_for_selector("dialog#confirm[open] table[data-changes]")
    plan = page.locator("dialog#confirm").inner_text()
    assert "您的姓名、职位、邮箱、电话、城市" in plan and "GDPR Art. 5(2)" in plan  # her places, in her language
    page.click("dialog#confirm button[value=cancel]")  # changing one's mind erases nothing
    expect(page.locator("#notice")).to_contain_text("Nothing was deleted")
    assert "chen.jing@beichen-med.cn" in page.locator('article[data-category="user.contact.email"]').inner_text()

    page.select_option("#erase-scope", "user.behavior.purchase_history")  # one category only
    page.click("#erase")
    page.wait_for_selector("dialog#confirm[open] table[data-changes]")
    assert "您数据保险库中的条目" in page.locator("dialog#confirm").inner_text()
    page.click("dialog#confirm [data-ok]")
    expect(page.locator("#notice")).to_contain_text("was erased")
    assert "chen.jing@beichen-med.cn" in page.locator('article[data-category="user.contact.email"]').inner_text()

    page.select_option("#erase-scope", "user")
    page.click("#erase")
    page.wait_for_selector("dialog#confirm[open] table[data-changes]")
    page.click("dialog#confirm [data-ok]")
    expect(page.locator("#notice")).to_contain_text("Your personal data was erased")
    expect(page.locator("#categories")).not_to_contain_text("chen.jing@beichen-med.cn")
    assert consents_of(page, url, token) is None  # the erasure revoked her token: it speaks for no one
    assert page.request.get(f"{url}/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status == 401


def test_a_customer_token_cannot_open_another_customers_data(site, page):
    url, tokens = site
    r = page.request.get(f"{url}/v1/me/data?user=cust.mark.taylor",
                         headers={"Authorization": f"Bearer {tokens['cust.chen.jing']}"})
    assert r.status == 422 and "owner of your token" in r.text()  # no request names its user


def test_a_rep_chats_sees_the_reply_stream_in_and_opens_the_trace(site, page):
    url, tokens = site
    sign_in(page, url, "/web/chat", tokens["li.wei"])
    page.fill("#ask textarea", "show me the deals of Acme Robotics")
    page.click("#ask button[type=submit]")
    answer = page.locator(".bubble.assistant[data-turn]")
    answer.wait_for(timeout=60_000)  # the first turn of a process also loads the offline model
    assert "D-" in answer.inner_text()
    answer.locator("button", has_text="Why?").click()
    page.wait_for_selector(".trace li")
    assert "find_deals" in answer.locator(".trace").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "web-chat.png"), full_page=True)


def test_a_manager_asks_for_a_ranking_and_the_chart_is_drawn_offline(site, page):
    url, tokens = site
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    sign_in(page, url, "/web/chat", tokens["zhao.lei"])
    page.fill("#ask textarea", "win rate trend over the past four quarters")
    page.click("#ask button[type=submit]")
    answer = page.locator(".bubble.assistant[data-turn]")
    answer.wait_for(timeout=60_000)
    assert "Win rate" in answer.inner_text()
    chart = answer.locator(".chart svg")
    chart.wait_for(timeout=30_000)
    assert chart.locator("path").count() > 0  # the line is drawn
    assert "2026-Q3" in answer.locator(".chart").inner_text()  # the axis names the quarters
    assert all(u.startswith(url) for u in asked), [u for u in asked if not u.startswith(url)]  # nothing external
    page.screenshot(path=str(SCREENSHOTS / "web-chat-chart.png"), full_page=True)


def test_a_wrong_token_is_refused_on_the_page(site, page):
    url, _ = site
    page.goto(url + "/web/privacy")
    page.fill("#token", "tsk_not-a-token")
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signin-status:has-text('Sign-in failed')")
    assert page.locator("#center").is_hidden()
