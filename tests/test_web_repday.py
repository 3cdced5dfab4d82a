"""The rep's day in a real browser: the web chat draws the meeting prep card and the daily brief under the answer,
the printable prep page shows the same card; the endpoints behind them refuse the wrong caller."""
from __future__ import annotations

import pytest

from channels.auth import issue_token
from channels.http_api import create_app
from channels.identities import seed_channels
from tests.privacy_support import privacy_dir, ptessera  # noqa: F401  (fixtures)
from tests.test_web_pages import CHROMIUM, SCREENSHOTS, browser, page, serve, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run scripts/ensure_chromium.sh")


@pytest.fixture
def site(ptessera):
    with ptessera.store.session() as s:
        seed_channels(s)
        tokens = {login: issue_token(s, login) for login in ("cust.chen.jing", "li.wei", "wang.fang")}
    url, server, thread = serve(create_app(ptessera))
    yield url, tokens
    server.should_exit = True
    thread.join(timeout=10)


def ask(page, text: str):
    before = page.locator(".bubble.assistant[data-turn]").count()
    page.fill("#ask textarea", text)
    page.click("#ask button[type=submit]")
    answer = page.locator(".bubble.assistant[data-turn]").nth(before)
    answer.wait_for(timeout=60_000)
    return answer


def test_the_chat_draws_the_prep_card_and_the_daily_brief_and_the_prep_page_prints_it(site, page):
    url, tokens = site
    sign_in(page, url, "/web/chat", tokens["li.wei"])
    answer = ask(page, "prep me for my meeting with Acme Robotics tomorrow")
    card = answer.locator("article.prep-card")
    card.wait_for()
    text = card.inner_text()
    assert "Talking points" in text and "D-2056" in text and "Mark Taylor" in text
    assert card.locator(".talking-points li").count() == 3
    assert card.locator("table").first.locator("tr").count() >= 2  # who we meet: a header and a row each
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "prep-card.png"), full_page=True)

    brief = ask(page, "今天我应该先给谁打电话？").locator("article.daily-brief")
    brief.wait_for()
    rows = brief.locator("tr")
    assert rows.count() >= 4 and "T-70" in rows.nth(1).inner_text()  # the most overdue follow-up first

    card.locator("a", has_text="Printable card").click()
    page.wait_for_selector("#card article.prep-card")
    assert "D-2056" in page.locator("#card").inner_text()
    assert "meeting prep · Acme Robotics" in page.locator("#prep-status").inner_text()


def test_the_rep_day_endpoints_refuse_the_wrong_caller(site, page):
    url, tokens = site
    get = lambda path, token=None: page.request.get(  # noqa: E731
        url + path, headers={"Authorization": f"Bearer {token}"} if token else {})
    assert get("/v1/rep/brief").status == 401
    assert get("/v1/rep/prep/Acme%20Robotics", "tsk_not-a-token").status == 401
    assert get("/v1/rep/prep/Acme%20Robotics", tokens["cust.chen.jing"]).status == 403
    other = get("/v1/rep/prep/Acme%20Robotics", tokens["wang.fang"])  # another unit's account
    assert other.status == 404 and "Acme" not in str(other.json().get("open_deals", ""))
    assert get("/v1/rep/brief?login=li.wei", tokens["wang.fang"]).status == 422  # no request names its user
    mine = get("/v1/rep/brief", tokens["wang.fang"]).json()
    assert all(not i["link"].startswith("T-") or i["link"] not in {"T-70", "T-84"} for i in mine["items"])
