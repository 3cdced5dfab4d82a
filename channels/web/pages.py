"""The web pages, each assembled from the one shared layout (header, navigation, sign-in form) and its own body."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

PAGE_DIR = Path(__file__).resolve().parent / "pages"
NAVIGATION = (("chat", "Chat"), ("privacy", "My data"))  # the pages the header links to, in order


@dataclass(frozen=True)
class Page:
    title: str
    scripts: tuple[str, ...]  # besides session.js, which every page loads first
    printable: bool = False


PAGES = {
    "chat": Page("chat", ("vega.js", "repday.js", "chat.js")),
    "privacy": Page("my data", ("privacy.js",)),
    "prep": Page("meeting prep", ("repday.js", "prep.js"), printable=True),
}


@cache
def render(name: str) -> str:
    """The whole HTML of page `name` (one of PAGES)."""
    page = PAGES[name]
    current = ' aria-current="page"'
    nav = "".join(f'<a href="/web/{target}"{current if target == name else ""}>{label}</a>'
                  for target, label in NAVIGATION)
    layout = Template((PAGE_DIR / "layout.html").read_text(encoding="utf-8"))
    return layout.substitute(
        title=page.title, nav=nav, main=(PAGE_DIR / f"{name}.html").read_text(encoding="utf-8"),
        scripts="\n".join(f'  <script src="/web/static/{script}" defer></script>' for script in page.scripts),
        body_class=' class="printable"' if page.printable else "")
