"""Shared fixtures: one seeded template store per test session, copied fresh for each test that chats."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest

from tessera.seeding import seed_everything
from crm.store import Store
from tessera.migrate import migrate
from tessera.runtime import Tessera
from tessera.settings import AgentModels, Settings
from tests.scripted_model import ScriptedModel, install

FIXED_NOW = dt.datetime(2026, 11, 26, 10, 0)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    store = Store(f"sqlite:///{path}")
    migrate(store)
    with store.session() as s:
        seed_everything(s)
    store.dispose()
    return path


@pytest.fixture(scope="module")
def metrics_store(seeded_template, tmp_path_factory) -> Store:
    """A copy of the seeded store for one module of metric tests, which read it (and check they wrote nothing)."""
    path = tmp_path_factory.mktemp("metrics") / "m.db"
    shutil.copy(seeded_template, path)
    store = Store(f"sqlite:///{path}")
    yield store
    store.dispose()


def settings_for(directory: Path, **overrides) -> Settings:
    return Settings(data_dir=directory, database_url=f"sqlite:///{directory / 'tessera.db'}",
                    checkpoint_url=str(directory / "checkpoints.db"), **overrides)


@pytest.fixture
def data_dir(tmp_path, seeded_template) -> Path:
    shutil.copy(seeded_template, tmp_path / "tessera.db")
    return tmp_path


@pytest.fixture
def tessera(data_dir) -> Tessera:
    app = Tessera(settings_for(data_dir), clock=lambda: FIXED_NOW, seed=False)
    yield app
    app.close()


@pytest.fixture
def store(data_dir) -> Store:
    s = Store(f"sqlite:///{data_dir / 'tessera.db'}")
    yield s
    s.dispose()


@pytest.fixture
def scripted() -> ScriptedModel:
    """A scripted LLM installed in LiteLLM as "scripted/llm": each test queues the replies it needs."""
    model = ScriptedModel()
    install(model)
    return model


@pytest.fixture
def scripted_app(data_dir, scripted) -> Tessera:
    """A seeded Tessera whose sales and privacy agents answer with the scripted LLM, with no fallback model."""
    app = Tessera(settings_for(data_dir, models=AgentModels(sales="scripted/llm", privacy="scripted/llm", fallbacks=[])),
                  clock=lambda: FIXED_NOW, seed=False)
    yield app
    app.close()
