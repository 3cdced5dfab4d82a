"""A tool's OpenAI function schema, flattened (no $ref, no nullable anyOf) so every model reads it plainly."""
from __future__ import annotations

from typing import Any

from tools.base import ToolSpec


def openai_tool(spec: ToolSpec) -> dict:
    schema = spec.args.model_json_schema()
    defs = schema.pop("$defs", {})
    properties = {name: _flatten(prop, defs) for name, prop in schema.get("properties", {}).items()}
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if schema.get("required"):
        parameters["required"] = list(schema["required"])
    return {"type": "function", "function": {"name": spec.name, "description": spec.description, "parameters": parameters}}


def _flatten(prop: dict, defs: dict) -> dict:
    prop = dict(prop)
    prop.pop("title", None)
    prop.pop("default", None)
    if "$ref" in prop:
        prop = {**_flatten(defs[prop.pop("$ref").split("/")[-1]], defs), **prop}
    if "anyOf" in prop:
        options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
        if len(options) == 1:
            prop = {**_flatten(options[0], defs), **prop}
        else:
            prop["anyOf"] = [_flatten(o, defs) for o in options]
    if "properties" in prop:
        prop["properties"] = {k: _flatten(v, defs) for k, v in prop["properties"].items()}
    return prop
