"""An LLM as the writer of follow-up drafts: it gets the grounded facts (JSON) and the `draft_writer` prompt, and
returns the body; the CRM domain checks its claims against the same facts before offering it."""
from __future__ import annotations

import json
from collections.abc import Callable

from llm import litellm_module
from prompts import load_prompt


class DraftWriter:
    """Callable `facts -> body` for `crm.briefing.drafts.draft_followup(writer=...)`, over any LiteLLM model."""

    def __init__(self, model: str, prompt_text: Callable[[str], str] | None = None):
        """`prompt_text(name)`: the prompt's text at each draft (the registry's production version; default: the
        file)."""
        self.model = model
        self.prompt_text = prompt_text or (lambda name: load_prompt(name).text)

    def __call__(self, facts: dict) -> str:
        reply = litellm_module().completion(
            model=self.model, temperature=0,
            messages=[{"role": "system", "content": self.prompt_text("draft_writer")},
                      {"role": "user", "content": json.dumps(facts, ensure_ascii=False, default=str)}])
        return reply.choices[0].message.content or ""
