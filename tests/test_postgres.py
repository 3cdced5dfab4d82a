"""The same product on PostgreSQL: migrations, seed, chat and checkpoints that survive a restart."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import Activity
from tests.conftest import FIXED_NOW
from tests.postgres_support import scratch_or_skip
from tessera.runtime import Tessera
from tessera.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url():
    with scratch_or_skip("tessera_test") as url:
        yield url


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
