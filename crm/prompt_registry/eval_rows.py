"""An eval run, or two versions' runs compared, as rows of words per user type: what the chat tool and
`tessera prompts evals` both show, so the two never word a figure differently."""
from __future__ import annotations

SHOWN = (("tool_choice", "tool choice"), ("arguments", "arguments"), ("state", "final state"))


def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def run_said(run: dict) -> str:
    """Which run: its model, split and time."""
    return f"{run['model']}, {run['split']}, {run['ran_at']:%Y-%m-%d %H:%M}"


def run_rows(run: dict) -> list[dict]:
    """One run (service.last_eval): per user type its scenarios, figures and writes on must-not-write turns."""
    return [{"user type": who, "scenarios": f.get("scenarios"),
             **{shown: share(f.get(figure)) for figure, shown in SHOWN},
             "must-not-write writes": f"{f.get('unwanted_writes', 0)}/{f.get('guarded_turns', 0)}"}
            for who, f in sorted(run["figures"].items())]


def compared_rows(found: dict) -> list[dict]:
    """Two runs (service.compare_evals): per user type each figure of the newer version, the older, and the change."""
    new, old = f"v{found['version']}", f"v{found['other']}"
    rows = []
    for row in found["rows"]:
        item = {"user type": row["user_type"]}
        for figure, shown in SHOWN:
            change = row["change"][figure]
            item[f"{shown} {new}"], item[f"{shown} {old}"] = share(row[figure][0]), share(row[figure][1])
            item[f"{shown} change"] = "—" if change is None else f"{change:+.1f} pp"
        rows.append(item)
    return rows
