"""Vector memory on a Chroma server (TESSERA_CHROMA_HOST): two workers' memories see one collection, a note one
indexes the other finds, and a note one erases is gone for the other. The server is the `chroma` command shipped
with chromadb, started here as the README says."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from llm.offline.embedder import shared_e5
from memory.vector_memory import NoteRecord, VectorMemory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    binary = Path(sys.executable).with_name("chroma")
    if not binary.exists() and shutil.which("chroma") is None:
        pytest.skip("the chroma command (shipped with chromadb) is not installed")
    port, folder = free_port(), tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([str(binary if binary.exists() else shutil.which("chroma")), "run", "--path", str(folder),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"chroma run stopped: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("chroma run did not answer within 60 s")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_two_workers_share_the_notes_on_a_chroma_server(chroma_server, tmp_path):
    one = VectorMemory(tmp_path / "one", e5=shared_e5, host=chroma_server)
    other = VectorMemory(tmp_path / "other", e5=shared_e5, host=chroma_server)
    try:
        one.write([NoteRecord("A-1", "the customer asked for a demo of the welding robot", 7, 1, 1, "activity"),
                   NoteRecord("A-2", "invoice sent for the spare parts order", None, 2, 2, "activity")])
        found = other.search("demo of a welding robot", unit_ids=[1])
        assert [f["id"] for f in found] == ["A-1"] and found[0]["contact_id"] == 7
        assert not list((tmp_path / "one").glob("*.sqlite3"))  # nothing kept in the worker's own folder
        one.rewrite({"A-1": None})  # an erasure on one worker
        assert [f["id"] for f in other.search("demo of a welding robot", unit_ids=None)] == ["A-2"]
        one.rewrite({"A-2": "invoice sent for the [erased] order"})  # a note quoting an erased value
        assert other.search("invoice", unit_ids=[2])[0]["text"] == "invoice sent for the [erased] order"
    finally:
        one.close()
        other.close()
