"""An LLM as the writer of follow-up drafts: it gets the grounded facts (JSON) and the `draft_writer` prompt, and
returns the body; the CRM domain checks its claims against the same facts before offering it."""
from __future__ import annotations

import json

from llm import litellm_module
from prompts import load_prompt


class DraftWriter:
    """Callable `facts -> body` for `crm.briefing.drafts.draft_followup(writer=...)`, over any LiteLLM model."""

    def __init__(self, model: str):
        self.model = model

    def __call__(self, facts: dict) -> str:
        prompt = load_prompt("draft_writer")
        reply = litellm_module().completion(
            model=self.model, temperature=0,
            messages=[{"role": "system", "content": prompt.text},
                      {"role": "user", "content": json.dumps(facts, ensure_ascii=False, default=str)}])
        return reply.choices[0].message.content or ""
