"""A real server process for tests and benchmarks: a free port, and waiting until it is ready (/ready answers)."""
from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(proc: subprocess.Popen, base: str, seconds: float, poll: float = 0.1) -> None:
    """Return once GET {base}/ready answers 200 (the server takes turns; /health answers earlier, while it starts);
    raise with the server's last words if it stops first, or after `seconds` without an answer."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped: {proc.stderr.read().decode()[-3000:] if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server was not ready within {seconds:g} s")
        time.sleep(poll)
