"""The deals' stage history: every stage change through the domain writes one row (from, to, when, by whom) and
nothing else; an undone move leaves the history as it was; the demo's seeded paths agree with each deal's stage and
dates; scaling copies them; the migration carries over the moves the undo log knew."""
from __future__ import annotations

import shutil

import pytest
from alembic import command
from sqlalchemy import delete, select, text

from crm.models import OPEN_STAGES, Deal, DealStageChange, SeedRun, User
from crm.seed.scale import scale_up
from crm.seed.stage_history import SEED_NAME, seed_stage_history
from crm.services.undo import UndoEntry
from crm.store import Store
from tessera.migrate import alembic_config, migrate
from tests.conftest import FIXED_NOW
from tests.security.erasure_support import changed_rows, snapshot
from tools.base import ToolContext
from tools.registry import ALL

BOOKKEEPING = {"undo_log", "privacy_audit_log", "autonomy_audit", "data_versions"}


def call(tessera, login: str, tool: str, turn: str = "turn-1", **args) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW, turn_id=turn)
    return ALL[tool].invoke(ctx, args)


def business(store) -> dict:
    return {t: rows for t, rows in snapshot(store).items() if t not in BOOKKEEPING}


def a_deal(tessera, login: str, stages) -> Deal:
    with tessera.store.session() as s:
        owner = s.scalar(select(User.id).where(User.login == login))
        deal = s.scalars(select(Deal).where(Deal.owner_id == owner, Deal.stage.in_(stages)).order_by(Deal.id)).first()
        s.expunge(deal)
        return deal


def history(store, deal_id: int) -> list[tuple]:
    with store.session() as s:
        return [tuple(r) for r in s.execute(select(DealStageChange.from_stage, DealStageChange.to_stage,
                                                   DealStageChange.at, DealStageChange.changed_by)
                                            .where(DealStageChange.deal_id == deal_id).order_by(DealStageChange.id))]


def user_id(tessera, login: str) -> int:
    return tessera.actor(login).user_id


def test_a_move_records_one_change_by_the_mover_and_leaves_every_other_row_alone(tessera):
    deal = a_deal(tessera, "li.wei", ("lead", "qualified"))
    before = business(tessera.store)
    moved = call(tessera, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="proposal")
    assert moved["ok"], moved
    assert [w["record"] for w in moved["written"]] == [f"D-{deal.id}"] * len(moved["written"])  # no history line
    changed = changed_rows(before, business(tessera.store))
    assert set(changed) == {"deals", "deal_stage_changes"} and changed["deals"] == {(deal.id,)}
    [(added,)] = changed["deal_stage_changes"]
    assert (added,) not in before["deal_stage_changes"]  # a new row; no earlier row of any deal changed
    assert history(tessera.store, deal.id)[-1] == (deal.stage, "proposal", FIXED_NOW, user_id(tessera, "li.wei"))


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_closing_a_deal_records_the_close_on_the_day_it_closed(tessera, outcome):
    deal = a_deal(tessera, "li.wei", ("negotiation",))
    assert call(tessera, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage=outcome)["ok"]
    with tessera.store.session() as s:
        assert s.get(Deal, deal.id).closed_on == FIXED_NOW.date()
    assert history(tessera.store, deal.id)[-1] == ("negotiation", outcome, FIXED_NOW, user_id(tessera, "li.wei"))


def test_a_manager_reopening_a_won_deal_is_recorded_and_a_rep_refused_records_nothing(tessera):
    deal = a_deal(tessera, "li.wei", ("won",))
    before = business(tessera.store)
    refused = call(tessera, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="negotiation")
    assert not refused["ok"] and "needs a manager" in refused["error"]
    assert business(tessera.store) == before
    assert call(tessera, "zhao.lei", "move_deal_stage", deal=f"D-{deal.id}", stage="negotiation")["ok"]
    assert history(tessera.store, deal.id)[-1] == ("won", "negotiation", FIXED_NOW, user_id(tessera, "zhao.lei"))
    with tessera.store.session() as s:
        assert s.get(Deal, deal.id).closed_on is None


def test_a_move_to_the_stage_the_deal_is_at_records_nothing(tessera):
    deal = a_deal(tessera, "li.wei", ("proposal",))
    before = business(tessera.store)
    assert call(tessera, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="proposal")["ok"]
    assert business(tessera.store) == before


def test_undoing_a_move_takes_its_change_out_and_an_earlier_move_stays(tessera):
    deal = a_deal(tessera, "li.wei", ("lead", "qualified"))
    assert call(tessera, "li.wei", "move_deal_stage", turn="turn-0", deal=f"D-{deal.id}", stage="proposal")["ok"]
    before = business(tessera.store)
    assert call(tessera, "li.wei", "move_deal_stage", deal=f"D-{deal.id}", stage="negotiation")["ok"]
    undone = call(tessera, "li.wei", "undo_last", turn="turn-2")
    assert undone["ok"] and [r["field"] for r in undone["restored"]] == ["stage"]
    assert business(tessera.store) == before  # the deal and the whole history: byte for byte
    assert history(tessera.store, deal.id)[-1][:2] == (deal.stage, "proposal")


def test_every_seeded_deal_climbed_one_stage_at_a_time_to_where_it_stands(store):
    """Checked row by row in SQL: the path starts as a lead on the day the deal was created, each move starts where
    the last one ended, never goes back in time nor past the deal's last update, ends at the deal's stage, closed
    deals close at the moment they were last updated, and every move is by the deal's owner."""
    with store.engine.connect() as c:
        deals = c.execute(text("SELECT COUNT(*) FROM deals")).scalar()
        assert c.execute(text("SELECT COUNT(DISTINCT deal_id) FROM deal_stage_changes")).scalar() == deals
        assert c.execute(text(
            "SELECT COUNT(*) FROM deal_stage_changes h JOIN deals d ON d.id = h.deal_id WHERE h.from_stage IS NULL "
            "AND h.to_stage = 'lead' AND date(h.at) = d.created_on")).scalar() == deals
        steps = c.execute(text(
            "SELECT h.deal_id, h.from_stage, h.to_stage, h.at, h.changed_by, d.stage, d.owner_id, d.updated_at, "
            "d.closed_on FROM deal_stage_changes h JOIN deals d ON d.id = h.deal_id ORDER BY h.deal_id, h.id")).all()
    by_deal: dict[int, list] = {}
    for row in steps:
        by_deal.setdefault(row.deal_id, []).append(row)
    order = (*OPEN_STAGES, "won", "lost")
    for deal_id, path in by_deal.items():
        last = path[-1]
        assert last.to_stage == last.stage, deal_id
        assert all(b.from_stage == a.to_stage and a.at <= b.at for a, b in zip(path, path[1:])), deal_id
        assert all(order.index(b.to_stage) == order.index(a.to_stage) + 1 or b.to_stage in ("won", "lost")
                   for a, b in zip(path, path[1:])), deal_id
        assert all(r.at <= r.updated_at and r.changed_by == r.owner_id for r in path), deal_id
        if last.stage in ("won", "lost"):
            assert last.at == last.updated_at and str(last.at)[:10] == str(last.closed_on), deal_id


def test_the_seeded_history_is_the_same_every_time_and_seeding_again_adds_nothing(store):
    with store.session() as s:
        first = s.execute(select(DealStageChange).order_by(DealStageChange.id)).scalars().all()
        first = [(r.deal_id, r.from_stage, r.to_stage, r.at, r.changed_by) for r in first]
        assert seed_stage_history(s) == 0
        s.execute(delete(DealStageChange))
        s.execute(delete(SeedRun).where(SeedRun.name == SEED_NAME))
        assert seed_stage_history(s) == len(first)
        again = [(r.deal_id, r.from_stage, r.to_stage, r.at, r.changed_by)
                 for r in s.scalars(select(DealStageChange).order_by(DealStageChange.id))]
    assert again == first


def test_scaling_the_store_copies_each_deals_history_onto_its_copy(store):
    with store.session() as s:
        deals = s.execute(text("SELECT MAX(id) FROM deals")).scalar()
        seeded = s.execute(text("SELECT deal_id, from_stage, to_stage, at FROM deal_stage_changes ORDER BY id")).all()
        scale_up(s, 2)
        copies = s.execute(text(f"SELECT deal_id - {deals}, from_stage, to_stage, at FROM deal_stage_changes "
                                f"WHERE deal_id > {deals} ORDER BY id")).all()
    assert copies == seeded


def test_the_migration_carries_over_the_stage_moves_the_undo_log_knew(tmp_path, seeded_template):
    shutil.copy(seeded_template, tmp_path / "older.db")
    store = Store(f"sqlite:///{tmp_path / 'older.db'}")
    config = alembic_config(store)
    with store.engine.begin() as connection:  # the store as it was before this revision
        config.attributes["connection"] = connection
        command.downgrade(config, "stage_history@-1")
    with store.session() as s:
        deal_id = s.scalar(select(Deal.id).where(Deal.stage == "proposal").order_by(Deal.id))
        moves = (("qualified", "proposal", None), ("proposal", "negotiation", FIXED_NOW))  # the second was undone
        for old, new, undone in moves:
            s.add(UndoEntry(user_id=7, tool="move_deal_stage", created_at=FIXED_NOW.replace(hour=9), undone_at=undone,
                            changes=[{"table": "deals", "key": {"id": deal_id}, "op": "update",
                                      "fields": {"stage": [old, new]}}]))
    migrate(store)
    assert history(store, deal_id) == [("qualified", "proposal", FIXED_NOW.replace(hour=9), 7)]
    store.dispose()


def test_a_deals_stage_is_set_in_one_place_so_no_change_escapes_the_history():
    """Every module that may write the store: only crm/services/deal_stages.py assigns a deal's stage (undo restores
    old values through its generic machinery, and takes the history row out with them)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assigning = re.compile(r"\.stage\s*=(?!=)|values\([^)]*\bstage\s*=|\"stage\"\s*:\s*.+update\(")
    found = [str(path.relative_to(root)) for folder in ("crm", "tools", "agents", "channels", "edge_agent", "tessera",
                                                          "evals", "memory")
             for path in (root / folder).rglob("*.py") if assigning.search(path.read_text(encoding="utf-8"))]
    assert found == ["crm/services/deal_stages.py"]
