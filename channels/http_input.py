"""What an HTTP request may carry, checked before any route runs: a body of at most `limits.max_body_bytes`
(413 before a byte is parsed, chunked bodies included), JSON bodies sent as JSON (any case, `+json` suffixes,
UTF-8), no fields or query parameters a route does not declare (so no `user` can ride along), and text that is
text (no lone surrogates such as \\ud800, no NUL). Every refusal is a 4xx that says what to change."""
from __future__ import annotations

import email.message
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = ("POST", "PUT", "PATCH")
# Written into the OpenAPI schema, so clients (and Schemathesis) know what text is accepted before they send it.
NO_NUL = r"^[^\x00]*$"
SOME_TEXT = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"  # no NUL, and something besides whitespace


def text_problem(value: str) -> str | None:
    """Why `value` is not acceptable text, or None."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000); send the text without it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate (such as \\ud800), which is not a character; send valid UTF-8 text"
    return None


def _check_strings(value: Any) -> Any:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_strings(k)
            _check_strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_strings(v)
    return value


class RequestBody(BaseModel):
    """Base of every JSON request body: unknown fields are refused (422) and every string must be real text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _real_text(cls, value: Any) -> Any:
        return _check_strings(value)


def require_json(request: Request) -> None:
    """415 unless a request that carries a body says it is UTF-8 JSON (`application/json`, `application/*+json`,
    in any letter case, with an optional `charset=utf-8`)."""
    if request.method not in BODY_METHODS:
        return
    declared = request.headers.get("content-type")
    if not declared and not _carries_body(request):
        return  # a POST without a body (undo, revoke) has nothing to describe
    if not declared:
        raise HTTPException(415, "say what the body is: send 'Content-Type: application/json' and a JSON body")
    parsed = email.message.Message()
    parsed["content-type"] = declared
    subtype = parsed.get_content_subtype()
    if parsed.get_content_maintype() != "application" or not (subtype == "json" or subtype.endswith("+json")):
        raise HTTPException(415, f"this API reads JSON, not '{parsed.get_content_type()}': send "
                                 "'Content-Type: application/json' and a JSON body")
    charset = (parsed.get_param("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HTTPException(415, f"JSON is UTF-8 (RFC 8259), not {charset}: send the body as UTF-8")



def _carries_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length.strip() not in ("", "0"))


_declared_queries: dict[int, frozenset[str]] = {}


def refuse_unknown_query(request: Request) -> None:
    """422 for a query parameter the route does not declare (`?user=...` names no one here), or one given twice."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    allowed = _declared_queries.get(id(route))
    if allowed is None:
        names, stack = set(), [dependant]
        while stack:
            current = stack.pop()
            names |= {f.alias for f in current.query_params}
            stack.extend(current.dependencies)
        allowed = _declared_queries[id(route)] = frozenset(names)
    unknown = [k for k in request.query_params if k not in allowed]
    if unknown:
        hint = "you act as the owner of your token; " if "user" in unknown else ""
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", unknown[0]),
                                       "msg": f"unknown query parameter '{unknown[0]}': {hint}this route takes "
                                              f"{', '.join(sorted(allowed)) or 'no query parameters'}",
                                       "input": request.query_params.get(unknown[0])}])
    # every query parameter of this API is one value: `?competitor=a&competitor=b` would silently keep the last
    repeated = next((k for k in dict.fromkeys(request.query_params) if len(request.query_params.getlist(k)) > 1), None)
    if repeated:
        raise RequestValidationError([{"type": "repeated_query", "loc": ("query", repeated),
                                       "msg": f"query parameter '{repeated}' is given more than once; give it once",
                                       "input": request.query_params.getlist(repeated)}])


class BodyLimit:
    """ASGI middleware: reads the whole body (at most `max_bytes`) before the app runs, and refuses with 413 as
    soon as the declared or received size passes the limit; refuses a malformed path or query with 400."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _target_problem(scope)
        if problem:
            await _refuse(scope, receive, send, 400, problem)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(scope, receive, send, 400, "Content-Length must be a number of bytes")
                return
            if int(declared) > self.max_bytes:
                await _refuse(scope, receive, send, 413, self._too_large(int(declared)))
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(scope, receive, send, 413, self._too_large(None))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, sent = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to disconnect, as servers do

        await self.app(scope, replay, send)

    def _too_large(self, declared: int | None) -> str:
        size = f"{declared:,} bytes" if declared is not None else "more than that"
        return (f"the request body is {size}; the limit is {self.max_bytes:,} bytes "
                f"({self.max_bytes // 1024} KB): send a shorter message")


def _target_problem(scope: Scope) -> str | None:
    for what, raw in (("path", scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")),
                      ("query string", scope.get("query_string", b""))):
        decoded = unquote_to_bytes(raw.replace(b"+", b" ") if what == "query string" else raw)
        try:
            text = decoded.decode("utf-8")
        except UnicodeDecodeError:
            return f"the {what} is not valid UTF-8 once percent-decoded; encode text as UTF-8"
        problem = text_problem(text)
        if problem:
            return f"the {what} {problem}"
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


def _printable(value: Any) -> Any:
    """A copy of `value` that JSON can carry: unencodable text escaped, other objects as strings."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return _printable(str(value))


async def validation_failed(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, with the bad input echoed safely (a lone surrogate would otherwise turn it into a 500)."""
    errors = []
    for error in exc.errors():
        error = dict(error)
        if error.get("type") == "extra_forbidden" and tuple(error.get("loc", ()))[-1:] == ("user",):
            error["msg"] = "there is no 'user' field: you act as the owner of your token"
        elif error.get("type") == "string_pattern_mismatch" and isinstance(error.get("input"), str) and \
                error.get("ctx", {}).get("pattern") in (NO_NUL, SOME_TEXT):
            error["msg"] = text_problem(error["input"]) or \
                "is empty: write what you need, e.g. 'show me the Acme deals'"
        elif error.get("type") == "string_unicode":  # pydantic refuses lone surrogates; say so plainly
            error["msg"] = "contains a lone UTF-16 surrogate (such as \\ud800), which is not a character; send " \
                           "valid UTF-8 text"
        errors.append(_printable(error))
    return JSONResponse({"detail": errors}, status_code=422)


async def malformed_text(request: Request, exc: UnicodeError) -> JSONResponse:
    """The last line of defence: text that cannot be encoded is the client's error, not the server's."""
    return JSONResponse({"detail": "the request holds malformed text (for example a lone surrogate such as "
                                   "\\ud800); send valid UTF-8"}, status_code=400)


def guard_input(app: FastAPI, max_body_bytes: int) -> None:
    """Installs the body limit and the error handlers on `app`."""
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(UnicodeError, malformed_text)
