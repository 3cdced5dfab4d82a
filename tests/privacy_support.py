"""Fixtures for the privacy tests: the seeded demo plus seeded consents and provenance, copied per test."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, settings_for
from tessera.runtime import Tessera
from tools.base import ToolContext
from tools.registry import ALL


@pytest.fixture
def privacy_dir(data_dir) -> Path:
    return data_dir  # the seeded template already holds the demo consents and provenance (seed_everything)


@pytest.fixture
def ptessera(privacy_dir) -> Tessera:
    app = Tessera(settings_for(privacy_dir), clock=lambda: FIXED_NOW, seed=False)
    yield app
    app.close()


def call(tessera: Tessera, login: str, tool: str, notes=None, **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW, notes=notes)
    return ALL[tool].invoke(ctx, args)
