"""Edge records at one site: work orders through their life, parts and scans, and the log that survives restarts."""
from __future__ import annotations

import uuid

import pytest

from edge_agent.chat import EdgeChat
from edge_agent.field_service import FieldService, InvalidRequest, WorkOrderNotFound, WorkOrderRefused
from edge_agent.persistence import DocSet, UpdateLog
from edge_agent.records import RecordStore


def open_site(path, node_id="plant-7") -> FieldService:
    return FieldService(RecordStore(DocSet(UpdateLog(path / "node.db", synchronous="NORMAL")), node_id))


def test_a_work_order_goes_from_open_to_closed_and_keeps_its_history(tmp_path):
    site = open_site(tmp_path)
    wo = site.create_work_order(title="replace seal on pump P-12", asset="P-12", location="line 3", wo_type="repair")
    number = wo["fields"]["number"]
    assert wo["fields"]["status"] == "open" and number.startswith("WO-")

    site.assign(number, "Zhang Wei")
    site.progress(number, percent=40, labour_minutes=25, note="seal removed")
    site.progress(number, percent=80, labour_minutes=20)
    closed = site.close(number, note="new seal fitted")

    f = closed["fields"]
    assert (f["status"], f["assignee"], f["progress_pct"], f["labour_minutes"]) == ("closed", "Zhang Wei", 80, 45)
    assert [e["op"] for e in closed["history"]] == ["created", "assigned", "progress", "progress", "closed"]
    assert isinstance(f["labour_minutes"], int)  # integers stay integers, though Yrs keeps numbers as f64


def test_a_closed_work_order_refuses_more_work_and_says_what_to_do(tmp_path):
    site = open_site(tmp_path)
    number = site.create_work_order(title="inspect conveyor C-2")["fields"]["number"]
    site.close(number)
    with pytest.raises(WorkOrderRefused, match="closed; open a new work order"):
        site.progress(number, percent=10)
    assert site.close(number)["history"][-1]["op"] == "closed"  # closing twice changes nothing
    with pytest.raises(WorkOrderNotFound, match="list open work orders"):
        site.assign("WO-00000000", "Li")


def test_retried_requests_change_a_record_once(tmp_path):
    site = open_site(tmp_path)
    record_id = str(uuid.uuid4())
    first = site.create_work_order(title="pump P-3 noisy", record_id=record_id)
    again = site.create_work_order(title="pump P-3 noisy", record_id=record_id)
    assert first == again and len(site.work_orders()) == 1

    for _ in range(3):
        site.progress(record_id, labour_minutes=30, op_id="tablet-7:op-1")
    wo = site.work_order(record_id)
    assert wo["fields"]["labour_minutes"] == 30
    assert [e["id"] for e in wo["history"]].count("tablet-7:op-1") == 1


def test_stock_levels_add_up_from_part_moves(tmp_path):
    site = open_site(tmp_path)
    site.record_inventory_move(part="seal-40mm", quantity=10, from_location="supplier", to_location="store")
    site.record_inventory_move(part="seal-40mm", quantity=3, from_location="store", to_location="line 3")
    assert site.stock()["seal-40mm"] == {"supplier": -10, "store": 7, "line 3": 3}
    with pytest.raises(InvalidRequest, match="positive quantity"):
        site.record_inventory_move(part="seal-40mm", quantity=0, from_location="store", to_location="line 3")


def test_the_site_is_rebuilt_from_its_log_after_a_restart_and_after_compaction(tmp_path):
    site = open_site(tmp_path)
    numbers = [site.create_work_order(title=f"job {i}")["fields"]["number"] for i in range(30)]
    for n in numbers[:10]:
        site.close(n)
    before = site.records_of("work_order")
    site.records.docset.log.close()

    reopened = open_site(tmp_path)
    assert reopened.records_of("work_order") == before

    reopened.records.docset.compact_if_due(threshold=1)
    assert all(reopened.records.docset.log.rows(str(s)) <= 1 for s in range(8))
    reopened.records.docset.log.close()
    assert open_site(tmp_path).records_of("work_order") == before


def test_the_terminal_chat_understands_english_and_chinese(tmp_path):
    chat = EdgeChat(open_site(tmp_path))
    created = chat.reply("new repair work order for pump P-12 at line 3")
    assert created.startswith("Created WO-") and "(repair)" in created and "line 3" in created
    number = created.split()[1]

    assert chat.reply(f"assign {number} to Zhang Wei") == f"{number} is assigned to Zhang Wei."
    assert chat.reply(f"{number} 进度 50%") == f"{number} 进度 50%。"
    zh = chat.reply("新建保险理赔工单 叉车 FL-2 在 1号码头")
    assert zh.startswith("已创建保险理赔工单 WO-") and "1号码头" in zh

    listing = chat.reply("list open work orders")
    assert listing.startswith("2 open work orders:") and number in listing
    assert chat.reply(f"close {number} seal replaced") == f"Closed {number}."
    assert "未完成工单 1 张" in chat.reply("列出未完成工单")
    assert "closed" in chat.reply(f"assign {number} to Li")  # refusals come back as text
    assert chat.reply("what's the weather").startswith("I understand:")
