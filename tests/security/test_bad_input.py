"""Finding 9: a lone surrogate (\\ud800) in the message or user gave a 500, and a 10 MB JSON body was accepted.
Now the body limit (64 KB) answers 413 before anything is parsed, chunked bodies included; malformed text in any
field, the path or the query is a 4xx that says what to fix; content types are read case-insensitively."""
from __future__ import annotations

import json
import socket
from select import select as readable

import pytest
from sqlalchemy import func, select

from memory.traces import TurnTrace
from tests.security.conftest import served

TEN_MB = 10 * 1024 * 1024


def no_turn_ran(api) -> bool:
    with api.tessera.store.session() as s:
        return s.scalar(select(func.count()).select_from(TurnTrace)) == 0


def test_a_ten_megabyte_body_is_refused_before_it_is_read(api):
    body = json.dumps({"message": "x" * TEN_MB})
    r = api.client.post("/v1/chat", content=body, headers={**api.auth("li.wei"), "Content-Type": "application/json"})
    assert r.status_code == 413 and "65,536 bytes (64 KB)" in r.json()["detail"] and str(len(body)) not in "x"
    assert no_turn_ran(api)


def test_a_chunked_body_without_content_length_is_cut_off_at_the_limit(api):
    """Over a real socket: the 413 arrives while the client is still sending, long before 12.5 MB are through."""
    head = (f"POST /v1/chat HTTP/1.1\r\nHost: tessera\r\nAuthorization: Bearer {api.token('li.wei')}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"10000\r\n" + b" " * 65536 + b"\r\n"
    answer, sent = b"", 0
    with served(api.client.app) as address, socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head)
        while sent < 200 and not answer:  # 200 chunks of 64 KB: 12.5 MB if the server read them all
            try:
                sock.sendall(chunk)
            except OSError:  # the server answered and closed
                break
            sent += 1
            if readable([sock], [], [], 0.01)[0]:
                answer = sock.recv(65536)
        answer = _whole_response(sock, answer)
    assert answer.startswith(b"HTTP/1.1 413") and b"limit" in answer, answer[:300]
    assert sent <= 3 and no_turn_ran(api)


def test_a_body_just_under_the_limit_is_read(api):
    r = api.client.post("/v1/chat", headers=api.auth("li.wei"),
                        content=json.dumps({"message": "hi", "thread": "t"}) + " " * 60_000)
    assert r.status_code == 415  # read, then refused for having no content type: not a 413
    r = api.client.post("/v1/chat", headers={**api.auth("li.wei"), "Content-Type": "application/json"},
                        content=json.dumps({"message": "hi", "thread": "t"}) + " " * 60_000)
    assert r.status_code == 200


@pytest.mark.parametrize("raw, field", [
    (b'{"message": "hi \\ud800 there"}', "message"),  # a JSON escape of a lone surrogate
    (b'{"message": "hi", "thread": "t\\udfff"}', "thread"),
    (b'{"message": "hi \\u0000"}', "message"),  # NUL, which PostgreSQL text cannot hold
    ('{"message": "hi \ud800"}'.encode("utf-8", "surrogatepass"), "message"),  # the surrogate as raw bytes
])
def test_malformed_text_in_the_body_is_a_clear_422(api, raw, field):
    r = api.client.post("/v1/chat", content=raw, headers={**api.auth("li.wei"), "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["detail"][0]
    assert error["loc"][-1] == field and ("surrogate" in error["msg"] or "NUL" in error["msg"])
    assert no_turn_ran(api)


def test_bytes_that_are_not_utf8_are_a_clear_4xx(api):
    r = api.client.post("/v1/chat", content=b'{"message": "caf\xe9"}',
                        headers={**api.auth("li.wei"), "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and no_turn_ran(api)


@pytest.mark.parametrize("path", ["/v1/traces/%ED%A0%80", "/v1/traces/abc%00", "/v1/me/data?x=%ED%A0%80",
                                  "/v1/units/status?unit=%00", "/v1/traces/%FF%FE"])
def test_malformed_text_in_the_path_or_query_is_a_clear_400(api, path):
    r = api.client.get(path, headers=api.auth("li.wei"))
    assert r.status_code == 400 and ("UTF-8" in r.json()["detail"] or "NUL" in r.json()["detail"])


@pytest.mark.parametrize("path", ["/v1/units/competitor-prices?competitor=HubSpot&competitor=Salesforce",
                                  "/v1/units/discounts/check?deal=D-1&deal=D-2&percent=5"])
def test_a_query_parameter_given_twice_is_refused_rather_than_the_last_one_kept(api, path):
    r = api.client.get(path, headers=api.auth("li.wei"))
    assert r.status_code == 422 and "given more than once" in r.text
    once = api.client.get(path.split("&")[0], headers=api.auth("li.wei"))
    assert once.status_code != 422  # the same parameter once is read as before


@pytest.mark.parametrize("content_type, status", [
    ("application/json", 200), ("Application/JSON", 200), ("APPLICATION/JSON; CHARSET=UTF-8", 200),
    ("application/x+json", 200), ("application/problem+json; charset=utf8", 200),
    ("application/json; charset=latin-1", 415), ("text/plain", 415), ("text/json", 415),
    ("application/x-www-form-urlencoded", 415), ("multipart/form-data; boundary=b", 415), (None, 415),
])
def test_content_types_are_read_case_insensitively_and_consistently(api, content_type, status):
    headers = {**api.auth("li.wei"), **({"Content-Type": content_type} if content_type else {})}
    r = api.client.post("/v1/chat", content=b'{"message": "hi"}', headers=headers)
    assert r.status_code == status, r.text
    if status == 415:
        assert "JSON" in r.json()["detail"]


def test_broken_json_and_wrong_shapes_are_422_not_500(api):
    headers = {**api.auth("li.wei"), "Content-Type": "application/json"}
    for body in (b'{"message": ', b"[]", b'"hi"', b"null", b'{"message": 5}', b'{"message": ["hi"]}'):
        assert api.client.post("/v1/chat", content=body, headers=headers).status_code == 422, body
    assert no_turn_ran(api)


def test_a_bad_content_length_is_refused(api):
    r = api.client.post("/v1/chat", content=b'{"message": "hi"}',
                        headers={**api.auth("li.wei"), "Content-Type": "application/json", "Content-Length": "abc"})
    assert r.status_code == 400


def _whole_response(sock: socket.socket, received: bytes) -> bytes:
    """The response's head and body, however the network split them (a loaded machine sends the head alone)."""
    while True:
        head, blank, body = received.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), None)
        if blank and length is not None and len(body) >= length:
            return received
        more = sock.recv(65536)
        if not more:
            return received
        received += more
