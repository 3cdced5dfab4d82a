"""Fixtures for the privacy tests: the seeded demo plus seeded consents and provenance, copied per test."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crm.privacy.seed import seed_privacy
from crm.store import Store
from tests.conftest import FIXED_NOW, settings_for
from tessera.runtime import Tessera
from tools import (correct_my_data, erase_my_data, export_my_data, grant_consent, my_consents, revoke_consent,
                   search_notes, where_did_you_get)
from tools.base import ToolContext
from tools.registry import ALL, TOOLSETS

PRIVACY_TOOLS = {m.TOOL.name: m.TOOL for m in (where_did_you_get, my_consents, revoke_consent, grant_consent,
                                               export_my_data, erase_my_data, correct_my_data, search_notes)}
# The wiring proposed for tools/registry.py, done through its plug-in path until it lands there.
for _spec in PRIVACY_TOOLS.values():
    ALL[_spec.name] = _spec
    _agent = TOOLSETS["sales" if _spec.name == "search_notes" else "privacy"]
    if _spec.name not in _agent:
        _agent.append(_spec.name)


@pytest.fixture(scope="session")
def privacy_template(seeded_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("privacy") / "seeded.db"
    shutil.copy(seeded_template, path)
    store = Store(f"sqlite:///{path}")
    with store.session() as s:
        seed_privacy(s)
    store.dispose()
    return path


@pytest.fixture
def privacy_dir(tmp_path, privacy_template) -> Path:
    shutil.copy(privacy_template, tmp_path / "tessera.db")
    return tmp_path


@pytest.fixture
def ptessera(privacy_dir) -> Tessera:
    app = Tessera(settings_for(privacy_dir), clock=lambda: FIXED_NOW, seed=False)
    yield app
    app.close()


def call(tessera: Tessera, login: str, tool: str, notes=None, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW, notes=notes)
    spec = PRIVACY_TOOLS.get(tool) or ALL[tool]
    return spec.invoke(ctx, args)
