"""Tool: give a sales unit a new autonomy contract version, cloned from an industry template with parameters."""
from __future__ import annotations

from typing import Literal

import yaml
from pydantic import BaseModel, Field

from crm.autonomy.catalog import clone_template
from tools.base import ToolContext, ToolSpec

Template = Literal["automotive-parts", "cross-border-ecommerce", "education", "electronics-enterprise",
                   "energy-utilities", "financial-services", "government-tenders", "insurance-renewals", "logistics",
                   "manufacturing-after-sales", "medical-devices", "retail", "saas-software", "smb-general"]


class CloneContractTemplateArgs(BaseModel):
    template: Template = Field(description="the industry template to clone")
    unit: str = Field(description="the sales unit: its code like east-smb, or its name like 华东中小企业部")
    params: dict[str, str] = Field(default_factory=dict, description="template parameters, e.g. "
                                   "{\"discount_budget\": \"80000\", \"margin_floor\": \"0.2\"}")


def run(ctx: ToolContext, args: CloneContractTemplateArgs) -> dict:
    params = {k: yaml.safe_load(v) for k, v in args.params.items()}  # "0.2" -> 0.2, "[east]" -> ["east"]
    with ctx.store.session() as s:
        stored = clone_template(s, args.unit, args.template, params, ctx.actor)
    contract = stored["contract"]
    return {"done": f"{stored['unit']} now runs contract v{stored['version']} from template {stored['template']}",
            "record": {"unit": stored["unit"], "version": stored["version"], "template": stored["template"],
                       "margin_floor": contract["outcome_limits"]["margin_floor"],
                       "escalate_to": contract["escalate_to"], "discount_budget": contract["budgets"]["discount"]["limit"]}}


TOOL = ToolSpec(
    name="clone_contract_template",
    summary=("Create a new autonomy contract version for a sales unit, cloned from an industry template (medical "
             "devices, education, retail, government tenders, ...) with parameters such as budgets and the margin "
             "floor."),
    args=CloneContractTemplateArgs,
    run=run,
    writes=True,
    examples=[
        "set up east-smb with the cross-border e-commerce contract template",
        "clone the medical devices template into east-enterprise",
        "switch north-public to the government tenders autonomy contract",
        "use the retail template for south-retail with a discount budget of 80000",
        "give south-tech the SaaS software contract",
        "把医疗器械模板克隆给华东大客户部",
        "华北公共事业部改用政府招投标的自治合同",
        "用零售行业模板给华南零售部建一份合同",
        "给华东中小企业部套用跨境电商模板",
        "按保险续保模板生成一个新的单元合同",
    ],
)
