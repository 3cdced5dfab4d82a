"""Every web page is the one shared layout around its own body: same header and sign-in, its own scripts, which exist."""
from __future__ import annotations

import pytest

from channels.web.pages import PAGES, render
from channels.web.router import ASSETS, VEGA


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_page_has_the_shared_header_and_sign_in_form_once(name):
    html = render(name)
    assert html.count("<header>") == 1 and html.count('<form id="signin" hidden>') == 1
    assert html.count("<main>") == 1 and html.count("</main>") == 1
    assert "$" not in html.split("<body", 1)[1].split("</header>")[0]  # every placeholder filled


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_script_a_page_loads_is_served(name):
    for script in ("session.js", *PAGES[name].scripts):
        assert f'src="/web/static/{script}"' in render(name)
        assert script in ASSETS or script == VEGA


def test_the_navigation_marks_only_the_page_shown():
    assert render("chat").count('aria-current="page"') == 1
    assert '<a href="/web/privacy" aria-current="page">' in render("privacy")
    assert 'aria-current' not in render("prep")  # the prep card is reached from a reply, not from the menu
