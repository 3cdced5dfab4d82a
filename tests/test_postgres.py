"""The same product on PostgreSQL: migrations, seed, chat and checkpoints that survive a restart."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import func, select

from crm.models import Activity
from tests.conftest import FIXED_NOW
from tessera.runtime import Tessera
from tessera.settings import Settings

ADMIN_URL = os.environ.get("TESSERA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

pytestmark = pytest.mark.postgres


def _admin_connection():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers at {ADMIN_URL}: {exc}")


@pytest.fixture(scope="module")
def pg_url():
    admin = _admin_connection()
    name = f"tessera_test_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def test_chat_on_postgres_writes_the_store_and_resumes_the_conversation_after_a_restart(pg_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=pg_url)  # checkpoints follow the store to PostgreSQL
    first = Tessera(settings, clock=lambda: FIXED_NOW)
    turn = first.chat("li.wei", "pg", "log a meeting with Acme Robotics about the quokka rollout")
    assert [c["name"] for c in turn.tool_calls] == ["log_activity"], turn.reply
    first.close()

    second = Tessera(settings, clock=lambda: FIXED_NOW)  # seeding again changes nothing
    with second.store.session() as s:
        logged = s.scalars(select(Activity).order_by(Activity.id.desc())).first()
        assert logged.kind == "meeting" and "quokka" in logged.subject
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.subject.contains("quokka"))) == 1
    state = second.graph.get_state(second.config(second.actor("li.wei"), "pg")).values
    assert any(getattr(m, "type", "") == "human" and "quokka" in m.content for m in state["messages"])
    assert second.traces.get(turn.turn_id).agent == "sales"
    second.close()
