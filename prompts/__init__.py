"""Prompts are data: one Markdown file per prompt, a YAML header (name, version, owner, agent, evaluated_with)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PROMPT_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    owner: str
    agent: str
    evaluated_with: str
    text: str


@lru_cache(maxsize=64)
def load_prompt(name: str) -> Prompt:
    path = PROMPT_DIR / f"{name}.md"
    if not path.exists():
        raise FileNotFoundError(f"no prompt named '{name}' in {PROMPT_DIR}")
    raw = path.read_text(encoding="utf-8")
    if not raw.startswith("---\n"):
        raise ValueError(f"prompt {path.name} has no YAML header between '---' lines")
    header, text = raw[4:].split("\n---\n", 1)
    meta = yaml.safe_load(header)
    missing = {"name", "version", "owner", "agent", "evaluated_with"} - meta.keys()
    if missing:
        raise ValueError(f"prompt {path.name} header lacks {', '.join(sorted(missing))}")
    return Prompt(text=text.strip(), **{k: str(meta[k]) for k in ("name", "version", "owner", "agent", "evaluated_with")})


def prompt_names() -> list[str]:
    """Every prompt's name: one Markdown file each in this folder."""
    return sorted(p.stem for p in PROMPT_DIR.glob("*.md"))


def prompt_files() -> dict[str, Prompt]:
    """Every prompt's file by name: each prompt's first version in the registry (crm/prompt_registry/)."""
    return {name: load_prompt(name) for name in prompt_names()}
