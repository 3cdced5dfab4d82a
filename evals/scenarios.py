"""Eval scenarios as typed data, loaded from the YAML files in evals/scenarios/."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


class ExpectedCall(BaseModel):
    name: str
    args: dict = Field(default_factory=dict)  # only these keys are checked; periods by start/end


class Turn(BaseModel):
    user: str
    expect_tools: list[ExpectedCall] = Field(default_factory=list)  # empty: the model should ask or answer
    reply_contains: list[str] = Field(default_factory=list)  # any one of these must appear in the reply


class Scenario(BaseModel):
    id: str
    persona: str  # "rep:li.wei"
    language: str
    description: str = ""
    turns: list[Turn]

    @property
    def login(self) -> str:
        return self.persona.split(":", 1)[-1]


def load_scenarios(directory: Path = SCENARIO_DIR) -> list[Scenario]:
    scenarios = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            try:
                scenarios.append(Scenario.model_validate(raw))
            except Exception as exc:
                raise ValueError(f"{path.name}: scenario {raw.get('id', '?')} is malformed: {exc}") from exc
    ids = [s.id for s in scenarios]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate scenario ids: {', '.join(sorted(duplicates))}")
    return scenarios
