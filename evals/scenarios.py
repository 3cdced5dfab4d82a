"""Eval scenarios as typed data, loaded from the YAML files in evals/scenarios/."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from crm.data_files import read_yaml
from evals.splits import split_of

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


class ExpectedCall(BaseModel):
    name: str
    args: dict = Field(default_factory=dict)  # only these keys are checked; periods by start/end
    # Free text graded by what it must keep ("subject: 培训工作坊" — the names survive), not word for word; the
    # gold replay uses these texts as the values.
    contains: dict[str, str] = Field(default_factory=dict)
    replay: dict = Field(default_factory=dict)  # values for the gold replay only, where `contains` is not one

    @property
    def replay_args(self) -> dict:
        return {**self.contains, **self.replay, **self.args}


class Turn(BaseModel):
    user: str
    expect_tools: list[ExpectedCall] = Field(default_factory=list)  # empty: the model should ask or answer
    reply_contains: list[str] = Field(default_factory=list)  # any one of these must appear in the reply
    # None of these may appear: words of the other language ("已写入" under an English request, "That did not
    # work" under a Chinese one), or what must stay unsaid (another unit's record)
    reply_lacks: list[str] = Field(default_factory=list)
    # A question, a hypothetical or a request Tessera cannot serve: the turn must leave every business table as
    # it was. Turns whose expected calls only read are held to the same rule (see `writes_allowed`).
    must_not_write: bool = False

    def writes_allowed(self, writing_tools: set[str]) -> bool:
        return not self.must_not_write and any(c.name in writing_tools for c in self.expect_tools)


UserType = Literal["rep", "customer", "manager", "prompt_engineer"]


class Scenario(BaseModel):
    id: str
    persona: str  # "rep:li.wei"
    language: str
    description: str = ""
    turns: list[Turn]
    # Whose request this is; the persona's role unless the scenario says otherwise (a prompt engineer signs in
    # with a staff login: the store has no such role).
    user_type: UserType | None = None

    @model_validator(mode="after")
    def _user_type_from_persona(self) -> "Scenario":
        if self.user_type is None:
            self.user_type = self.persona.split(":", 1)[0]  # type: ignore[assignment]
        return self

    @property
    def split(self) -> str:
        return split_of(self.id)

    @property
    def login(self) -> str:
        return self.persona.split(":", 1)[-1]


def load_scenarios(directory: Path = SCENARIO_DIR) -> list[Scenario]:
    scenarios = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in read_yaml(path) or []:
            try:
                scenarios.append(Scenario.model_validate(raw))
            except Exception as exc:
                raise ValueError(f"{path.name}: scenario {raw.get('id', '?')} is malformed: {exc}") from exc
    ids = [s.id for s in scenarios]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate scenario ids: {', '.join(sorted(duplicates))}")
    return scenarios
