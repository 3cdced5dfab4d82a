"""The deals' stage history on PostgreSQL: the same seeded paths as on SQLite, the stage weights against the SQL of
the forecast test, and a move taken back by undo leaving the history as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import Deal, DealStageChange, User
from crm.outlook import calibrate_stages
from crm.store import Store
from tessera.seeding import seed_everything
from tests.conftest import FIXED_NOW
from tests.metrics_support import AS_OF, actor, caller
from tests.test_outlook_forecast import weights_by_sql
from tests.postgres_support import migrated_store
from tests.test_postgres import pg_url  # noqa: F401  (creates and drops a database of its own)
from tools.base import ToolContext
from tools.registry import ALL

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_store(pg_url):  # noqa: F811
    with migrated_store(pg_url, seed_everything) as store:
        yield store


def history(store: Store) -> list[tuple]:
    with store.session() as s:
        return [tuple(r) for r in s.execute(select(DealStageChange.id, DealStageChange.deal_id,
                                                   DealStageChange.from_stage, DealStageChange.to_stage,
                                                   DealStageChange.at, DealStageChange.changed_by)
                                            .order_by(DealStageChange.id))]


def test_the_seeded_history_is_the_same_on_postgres_as_on_sqlite(pg_store, seeded_template):
    lite = Store(f"sqlite:///{seeded_template}")
    try:
        assert history(pg_store) == history(lite)
    finally:
        lite.dispose()


@pytest.mark.parametrize("login", ["zhao.lei", "li.wei"])
def test_stage_weights_on_postgres_match_the_hand_written_sql(pg_store, login):
    with pg_store.session() as s:
        calibration = calibrate_stages(s, caller(s, login).units, AS_OF)
        assert calibration.weights == pytest.approx(weights_by_sql(s, login))


def test_a_move_taken_back_on_postgres_leaves_the_history_as_it_was(pg_store):
    with pg_store.session() as s:
        user = s.scalar(select(User).where(User.login == "li.wei"))
        deal = s.scalar(select(Deal).where(Deal.owner_id == user.id, Deal.stage == "proposal").order_by(Deal.id))
        who, deal_id = actor(user), deal.id
    before = history(pg_store)
    ctx = ToolContext(store=pg_store, actor=who, clock=lambda: FIXED_NOW, turn_id="pg-move")
    assert ALL["move_deal_stage"].invoke(ctx, {"deal": f"D-{deal_id}", "stage": "negotiation"})["ok"]
    added = [row for row in history(pg_store) if row not in before]
    assert [row[1:] for row in added] == [(deal_id, "proposal", "negotiation", FIXED_NOW, who.user_id)]
    ctx = ToolContext(store=pg_store, actor=who, clock=lambda: FIXED_NOW, turn_id="pg-undo")
    assert ALL["undo_last"].invoke(ctx, {})["ok"]
    assert history(pg_store) == before
    with pg_store.session() as s:
        assert s.get(Deal, deal_id).stage == "proposal"
