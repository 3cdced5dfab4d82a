"""The prompt engineers' chat tools: each read answers from the registry, a label moves only after the user's yes and
moves nothing else, and every other role is refused however it reaches a tool."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crm.prompt_registry import service
from crm.prompt_registry.models import PromptLabel
from evals.state import business_fingerprint
from prompts import load_prompt, prompt_files
from tools.base import ToolContext
from tools.registry import ALL, TOOLSETS
from tests.conftest import FIXED_NOW

PROMPT_TOOLS = TOOLSETS["prompt_ops"]
EXAMPLE_ARGS = {"list_prompts": {}, "show_prompt": {"prompt": "sales"}, "diff_prompt_versions": {"prompt": "sales"},
                "live_prompt_version": {"prompt": "privacy"}, "prompt_eval_result": {"prompt": "sales"},
                "promote_prompt_version": {"prompt": "sales", "version": 3}, "rollback_prompt": {"prompt": "privacy"}}


def call(tessera, login: str, tool: str, args: dict) -> dict:
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    return ALL[tool].invoke(ctx, args)


def labels_of(store) -> dict:
    with store.session() as s:
        return {(r.prompt, r.label): r.version for r in s.scalars(select(PromptLabel))}


def test_list_prompts_and_one_prompts_versions_with_author_and_note(tessera):
    every = call(tessera, "pe.sun", "list_prompts", {})
    assert every["ok"] and {i["prompt"] for i in every["items"]} >= {"sales", "analyst", "privacy", "supervisor"}
    sales = call(tessera, "pe.sun", "list_prompts", {"prompt": "sales"})
    assert [i["version"] for i in sales["items"]] == ["v3", "v2", "v1"]  # newest first
    assert sales["items"][0]["author"] == "pe.sun" and "staging" in sales["items"][0]["labels"]


def test_show_prompt_gives_production_by_default_and_any_version_or_label(tessera):
    live = call(tessera, "pe.sun", "show_prompt", {"prompt": "sales"})
    assert live["values"]["version"] == 1 and live["text"] == load_prompt("sales").text
    staging = call(tessera, "pe.sun", "show_prompt", {"prompt": "sales", "label": "staging"})
    assert staging["values"]["version"] == 3 and "Show three or more records as a table" in staging["text"]
    missing = call(tessera, "pe.sun", "show_prompt", {"prompt": "sales", "version": 9})
    assert not missing["ok"] and "its versions are v1, v2, v3" in missing["error"]


def test_diff_of_the_last_two_and_of_two_named_versions(tessera):
    last_two = call(tessera, "pe.sun", "diff_prompt_versions", {"prompt": "sales"})
    assert last_two["values"]["old"] == 2 and last_two["values"]["new"] == 3
    assert "+- Show three or more records as a table" in last_two["diff"]
    named = call(tessera, "pe.sun", "diff_prompt_versions", {"prompt": "sales", "old": 2, "new": 1})
    assert (named["values"]["old"], named["values"]["new"], named["values"]["added"]) == (1, 2, 1)


def test_diff_of_the_versions_two_labels_point_at(tessera):
    labelled = call(tessera, "pe.sun", "diff_prompt_versions",
                    {"prompt": "sales", "old_label": "production", "new_label": "staging"})
    assert (labelled["values"]["old"], labelled["values"]["new"], labelled["values"]["added"]) == (1, 3, 2)
    same = call(tessera, "pe.sun", "diff_prompt_versions",
                {"prompt": "privacy", "old_label": "production", "new_label": "latest"})
    assert same["verdict"] == "same" and same["values"]["old"] == same["values"]["new"] == 2
    missing = call(tessera, "pe.sun", "diff_prompt_versions",
                   {"prompt": "privacy", "old_label": "production", "new_label": "staging"})
    assert missing["error_kind"] == "unknown_prompt_label"


def test_live_version_of_one_prompt_and_of_all(tessera):
    one = call(tessera, "pe.sun", "live_prompt_version", {"prompt": "privacy"})
    assert one["values"]["production"] == 2 and one["values"]["latest"] == 2
    every = call(tessera, "pe.sun", "live_prompt_version", {})
    assert {i["prompt"]: i["production"] for i in every["items"]}["sales"] == "v1"


def test_last_eval_result_per_prompt_and_version(tessera):
    assert call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales"})["error_kind"] == "no_prompt_eval"
    with tessera.store.session() as s:
        service.record_eval(s, {"sales": 1}, model="tessera/offline", split="dev", now=FIXED_NOW,
                            figures={"prompt_engineer": {"scenarios": 24, "tool_choice": 0.95, "arguments": 1.0,
                                                         "state": 1.0, "guarded_turns": 20, "unwanted_writes": 0}})
    found = call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales", "version": 1})
    assert found["values"]["split"] == "dev" and found["items"][0]["tool choice"] == "95.0%"
    assert call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales", "version": 3})["ok"] is False


def test_two_versions_eval_runs_side_by_side_with_the_change_in_points(tessera):
    with tessera.store.session() as s:
        for version, tool_choice, hour in ((2, 0.80, 9), (3, 0.86, 10)):
            service.record_eval(s, {"sales": version}, model="tessera/offline", split="dev",
                                now=FIXED_NOW.replace(hour=hour),
                                figures={"rep": {"tool_choice": tool_choice, "arguments": 0.9, "state": 0.95}})
    before = business_fingerprint(tessera.store)
    named = call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales", "version": 3, "compare_to": 2})
    previous = call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales", "compare_to": "previous"})
    assert named["verdict"] == "compared" and named["values"]["new"] == "v3" and named["values"]["old"] == "v2"
    [rep] = named["items"]
    assert (rep["tool choice v3"], rep["tool choice v2"], rep["tool choice change"]) == ("86.0%", "80.0%", "+6.0 pp")
    assert rep["arguments change"] == "+0.0 pp"
    assert previous["items"] == named["items"]  # the newest (v3) against the one before it (v2)
    assert business_fingerprint(tessera.store) == before  # reading eval runs writes nothing
    with tessera.store.session() as s:  # another split: still shown, but flagged as no like-for-like comparison
        service.record_eval(s, {"sales": 2}, model="tessera/offline", split="test", now=FIXED_NOW.replace(hour=11),
                            figures={"rep": {"tool_choice": 0.7}})
    unlike = call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales", "version": 3, "compare_to": 2})
    assert unlike["verdict"] == "compared_unlike"


def test_a_comparison_names_the_version_without_a_run_and_a_one_version_prompt_has_nothing_to_compare(tessera):
    with tessera.store.session() as s:
        service.record_eval(s, {"sales": 3}, model="tessera/offline", split="dev", now=FIXED_NOW,
                            figures={"rep": {"tool_choice": 0.9}})
    missing = call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "sales", "version": 3, "compare_to": 1})
    assert missing["error_kind"] == "no_prompt_eval" and "sales v1" in missing["error"]
    assert "v3" not in missing["error"].split("for ")[1].split(" yet")[0]  # v3 has its run: only v1 is named
    alone = call(tessera, "pe.sun", "prompt_eval_result", {"prompt": "analyst", "compare_to": "previous"})
    assert alone["error_kind"] == "one_prompt_version"
    assert call(tessera, "li.wei", "prompt_eval_result", {"prompt": "sales", "compare_to": "previous"})["ok"] is False


def test_undo_after_a_label_move_moves_nothing_and_says_how_to_roll_back(tessera):
    tessera.chat("pe.sun", "undo", "promote sales prompt v2 to production")
    tessera.chat("pe.sun", "undo", "yes")
    moved = labels_of(tessera.store)
    assert moved[("sales", "production")] == 2
    refused = tessera.chat("pe.sun", "undo", "undo that")
    assert "roll back" in refused.reply and labels_of(tessera.store) == moved
    in_chinese = tessera.chat("pe.sun", "undo", "撤销")
    assert "回滚" in in_chinese.reply and labels_of(tessera.store) == moved


def test_every_tool_has_a_chinese_name_for_replies_in_chinese():
    from llm.offline.replies import label_of_tool

    assert [name for name in ALL if not label_of_tool(name)] == []


def test_promote_and_rollback_plan_first_then_move_one_label(tessera):
    before, rows = labels_of(tessera.store), business_fingerprint(tessera.store)
    ctx = ToolContext(store=tessera.store, actor=tessera.actor("pe.sun"), clock=lambda: FIXED_NOW)
    plan = ALL["promote_prompt_version"].plan(ctx, {"prompt": "sales", "from_label": "staging"})["plan"]
    assert plan["changes"] == [{"record": "prompt sales", "field": "production", "old": "v1", "new": "v3"}]
    assert "sales 智能体从下一条消息起使用 v3" in plan["summary"]  # pe.sun writes Chinese
    staging = ALL["promote_prompt_version"].plan(ctx, {"prompt": "sales", "version": 2, "label": "staging"})["plan"]
    assert "运行的版本不变" in staging["summary"] and "使用 v2" not in staging["summary"]  # staging is not what runs
    assert labels_of(tessera.store) == before  # a plan writes nothing
    promoted = call(tessera, "pe.sun", "promote_prompt_version", {"prompt": "sales", "from_label": "staging"})
    assert promoted["values"]["new"] == "v3" and labels_of(tessera.store) == {**before, ("sales", "production"): 3}
    rolled = call(tessera, "pe.sun", "rollback_prompt", {"prompt": "sales"})
    assert (rolled["values"]["old"], rolled["values"]["new"]) == ("v3", "v1") and "prompts rollback sales" in rolled["values"]["undo"]
    assert labels_of(tessera.store) == {**before, ("sales", "production"): 1}
    crm_only = lambda tables: {k: v for k, v in tables.items() if not k.startswith("prompt_")}  # noqa: E731
    assert crm_only(business_fingerprint(tessera.store)) == crm_only(rows)  # no CRM table moved


@pytest.mark.parametrize("login", ["li.wei", "zhao.lei", "olivia.wang", "cust.chen.jing", "admin"])
@pytest.mark.parametrize("tool", PROMPT_TOOLS)
def test_every_other_role_is_refused_every_prompt_tool(tessera, login, tool):
    before = labels_of(tessera.store)
    refused = call(tessera, login, tool, EXAMPLE_ARGS[tool])
    assert refused["ok"] is False and refused["error_kind"] == "prompt_engineers_only"
    ctx = ToolContext(store=tessera.store, actor=tessera.actor(login), clock=lambda: FIXED_NOW)
    assert ALL[tool].plan(ctx, EXAMPLE_ARGS[tool])["ok"] is (ALL[tool].confirm is None)  # no plan shown either
    assert labels_of(tessera.store) == before


# -- in chat ------------------------------------------------------------------------------------------------------


def test_a_prompt_engineer_rolls_back_in_chat_after_saying_yes_and_the_agent_runs_the_old_version(tessera):
    before = labels_of(tessera.store)
    asked = tessera.chat("pe.morgan", "rb", "roll back the privacy prompt")
    assert asked.confirmation and asked.confirmation["tool"] == "rollback_prompt"
    assert "v2 → v1" in asked.reply and labels_of(tessera.store) == before  # nothing written before the yes
    done = tessera.chat("pe.morgan", "rb", "yes")
    assert "moved back from v2 to v1" in done.reply
    assert labels_of(tessera.store) == {**before, ("privacy", "production"): 1}
    assert tessera.prompts.text("privacy") == load_prompt("privacy").text
    assert tessera.prompts.text("sales") == load_prompt("sales").text  # other prompts untouched


def test_a_prompt_engineer_who_does_not_say_yes_changes_nothing(tessera):
    before = labels_of(tessera.store)
    tessera.chat("pe.sun", "no", "promote the staging sales prompt to production")
    reply = tessera.chat("pe.sun", "no", "no")
    assert labels_of(tessera.store) == before and "nothing was changed" in reply.reply.lower()


@pytest.mark.parametrize("message, tool, args", [
    ("show me the differences between the last two versions of the sales prompt", "diff_prompt_versions",
     {"prompt": "sales"}),
    ("diff v2 vs v1 of the sales prompt", "diff_prompt_versions", {"prompt": "sales", "old": 2, "new": 1}),
    ("which version of the privacy prompt is live?", "live_prompt_version", {"prompt": "privacy"}),
    ("how did the last eval of the analyst prompt score?", "prompt_eval_result", {"prompt": "analyst"}),
    ("对比一下销售提示词第二版和第三版", "diff_prompt_versions", {"prompt": "sales", "old": 2, "new": 3}),
    ("隐私提示词线上是哪个版本？", "live_prompt_version", {"prompt": "privacy"}),
    ("列出所有提示词", "list_prompts", {}),
    ("隐私提示词v1和v2差在哪", "diff_prompt_versions", {"prompt": "privacy", "old": 1, "new": 2}),
    ("who promoted the privacy prompt?", "list_prompts", {"prompt": "privacy"}),  # a question about the history
    ("路由提示词的预发布版本内容是什么", "show_prompt", {"prompt": "supervisor", "label": "staging"}),  # 预发布: a label
    ("put the privacy prompt back the way it was", "rollback_prompt", {"prompt": "privacy"}),
    # a verb and its "back" around the prompt named between them; asking who did it is asking for the history
    ("roll the sales prompt back to the version before last", "rollback_prompt", {"prompt": "sales"}),
    ("switch the privacy prompt back please", "rollback_prompt", {"prompt": "privacy"}),
    ("who rolled the sales prompt back?", "list_prompts", {"prompt": "sales"}),
    ("pull up the analyst agent's instructions", "show_prompt", {"prompt": "analyst"}),
    ("is the sales assistant still on its original prompt?", "live_prompt_version", {"prompt": "sales"}),
    ("分析助手的提示词写的是什么", "show_prompt", {"prompt": "analyst"}),
    ("how did v3 of the supervisor prompt score against v2?", "prompt_eval_result",
     {"prompt": "supervisor", "version": 3, "compare_to": 2}),
    ("销售提示词的评测成绩比上一版高吗", "prompt_eval_result", {"prompt": "sales", "compare_to": "previous"}),
    ("把隐私提示词的staging标签指向最新版本", "promote_prompt_version", {"prompt": "privacy", "label": "staging"}),
    ("把监督提示词的预发布版本发布到线上", "promote_prompt_version", {"prompt": "supervisor", "from_label": "staging"}),
    ("what's the difference between production and staging for sales?", "diff_prompt_versions",
     {"prompt": "sales", "old_label": "production", "new_label": "staging"}),
    ("what changed on staging for the supervisor prompt?", "diff_prompt_versions",
     {"prompt": "supervisor", "old_label": "production", "new_label": "staging"}),
    ("隐私提示词线上版本和预发布版本差在哪", "diff_prompt_versions",
     {"prompt": "privacy", "old_label": "production", "new_label": "staging"}),
    # the prompt itself asked to be shown, at a label: its text, not which version runs
    ("show me the sales prompt as it is in production", "show_prompt", {"prompt": "sales"}),
    ("pull up the staging analyst prompt", "show_prompt", {"prompt": "analyst", "label": "staging"}),
    ("给我看看线上的隐私提示词", "show_prompt", {"prompt": "privacy"}),
    ("show me which version of the sales prompt is live", "live_prompt_version", {"prompt": "sales"}),
    ("看一下销售提示词现在是哪个版本", "live_prompt_version", {"prompt": "sales"}),
])
def test_the_offline_model_reads_prompt_requests_in_english_and_chinese(tessera, message, tool, args):
    turn = tessera.chat("pe.sun", "read", message)
    assert [(c["name"], c["args"]) for c in turn.tool_calls] == [(tool, args)]


@pytest.mark.parametrize("login", ["li.wei", "olivia.wang", "cust.mark.taylor"])
def test_other_roles_asking_in_chat_get_no_prompt_tool(tessera, login):
    before = labels_of(tessera.store)
    turn = tessera.chat(login, "pe", "roll back the privacy prompt")
    assert turn.tool_calls == [] and turn.confirmation is None and labels_of(tessera.store) == before


def test_what_the_prompt_tools_do_not_do_is_still_cannot(tessera):
    for message in ("set the temperature of the analyst agent to 0.2", "run the evals on the dev split",
                    "把隐私助手的系统提示改得更简短一点"):
        turn = tessera.chat("pe.sun", f"cant-{len(message)}", message)
        assert turn.tool_calls == [], message


def test_the_seeded_history_is_each_prompts_file_then_later_versions(store):
    with store.session() as s:
        privacy = service.versions(s, prompt_files(), "privacy")
    assert [(v["version"], v["source"]) for v in privacy] == [(1, "file"), (2, "store")]
    assert privacy[1]["labels"] == ["latest", "production"] and privacy[1]["author"] == "pe.morgan"
    assert isinstance(privacy[1]["created_at"], dt.datetime)
