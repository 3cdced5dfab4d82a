"""An autonomy contract: what a unit may see, spend and decide on its own, and the outcome limits HQ watches."""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crm.data_files import load_yaml

Period = Literal["month", "quarter", "year"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt rule must fail loudly, not be ignored


class DataPermissions(Strict):
    """The unit's sandbox: regions and accounts it decides on, and the record fields its people may see."""

    regions: list[str] = Field(min_length=1)
    accounts: Literal["own"] | list[str] = "own"  # "own": the unit's accounts (plus accounts shared with it)
    fields: list[str] = Field(default_factory=lambda: ["deal.*", "account.*"])


class BudgetPoolRule(Strict):
    limit: Decimal = Field(ge=0)
    period: Period = "month"


class DiscountRules(Strict):
    auto_approve_max_percent: float = Field(ge=0, le=100)  # up to this the unit decides alone
    evidence_above_percent: float = Field(ge=0, le=100)  # above this: a competitor price and a reason are needed
    max_percent: float = Field(ge=0, le=100)  # above this: rejected, no one in the unit may grant it
    competitor_undercut_tolerance: float = Field(0.05, ge=0, le=1)  # how far below a competitor's price we may go
    require_promised_date: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> DiscountRules:
        if not self.auto_approve_max_percent <= self.max_percent:
            raise ValueError("auto_approve_max_percent must not exceed max_percent")
        if not self.evidence_above_percent <= self.max_percent:
            raise ValueError("evidence_above_percent must not exceed max_percent")
        return self


class PaymentRules(Strict):
    max_days_late: int = Field(30, ge=0)  # a customer who paid later than this: a human decides
    allow_defaulted: bool = False  # a customer with a written-off payment: rejected unless allowed


class QuoteRules(Strict):
    auto_approve_max_amount: Decimal = Field(ge=0)
    max_list_discount_percent: float = Field(25, ge=0, le=100)  # the quote's total discount off list price


class Exemption(Strict):
    """An approval exemption: a request that meets all its conditions takes effect without a human."""

    name: str
    max_percent: float = Field(100, ge=0, le=100)
    max_acquisition_cost: Decimal | None = None
    max_cycle_days: int | None = None
    new_customer_only: bool = False


class OutcomeLimits(Strict):
    """HQ's red lines: never crossed by any decision, watched on the boundary dashboard."""

    margin_floor: float = Field(ge=0, lt=1)
    new_customer_margin_floor: float | None = Field(None, ge=0, lt=1)
    acquisition_cost_ceiling: Decimal | None = Field(None, ge=0)
    cycle_time_ceiling_days: int | None = Field(None, gt=0)


class AutonomyContract(Strict):
    unit: str
    template: str = "custom"
    title: str = ""
    data: DataPermissions
    budgets: dict[str, BudgetPoolRule]
    discount: DiscountRules
    payment: PaymentRules = Field(default_factory=PaymentRules)
    quote: QuoteRules
    exemptions: list[Exemption] = Field(default_factory=list)
    outcome_limits: OutcomeLimits
    escalate_to: str  # the login that decides what the unit may not decide alone
    deputies: list[str] = Field(default_factory=list)  # who else may decide them (e.g. while escalate_to is away)

    @model_validator(mode="after")
    def _has_discount_pool(self) -> AutonomyContract:
        if "discount" not in self.budgets:
            raise ValueError("budgets must hold a 'discount' pool: accepted discounts are booked against it")
        return self

    def floor_for(self, new_customer: bool) -> float:
        limits = self.outcome_limits
        return limits.new_customer_margin_floor if new_customer and limits.new_customer_margin_floor is not None \
            else limits.margin_floor

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), allow_unicode=True, sort_keys=False)


class ContractError(ValueError):
    """A contract that does not parse or validate; the message lists each problem with its path."""


def parse_contract(text: str, source: str = "contract") -> AutonomyContract:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ContractError(f"{source} is not valid YAML: {exc}") from exc
    return contract_from(data, source)


def contract_from(data: object, source: str = "contract") -> AutonomyContract:
    if not isinstance(data, dict):
        raise ContractError(f"{source} must be a mapping of contract sections, got {type(data).__name__}")
    try:
        return AutonomyContract.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors())
        raise ContractError(f"{source} is not a valid autonomy contract: {problems}") from exc
