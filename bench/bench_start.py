"""Benchmark: `tessera serve` restarted on a seeded store: seconds from launch to the first 200 on /health, and the
idle server's resident memory (RSS), with what is loaded; also the server's CPU seconds until that first 200,
which a busy machine inflates much less than the wall-clock figure. Usage: python -m bench.bench_start [--runs N]."""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table

TARGET_RSS_MB, TARGET_START_S = 250, 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tree_rss_mb(pid: int) -> float:
    """RSS of the process and its children (uvicorn with several workers runs them as children)."""
    total = rss_mb(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in (children.read_text().split() if children.exists() else []):
        total += tree_rss_mb(int(child))
    return total


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_once(env: dict, port: int, timeout: float = 120.0) -> tuple[float, float, float]:
    """Launch, wait for /health to answer 200, let it settle; (seconds to first 200, CPU seconds the server used
    until then, idle RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tessera.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tessera serve exited: {proc.stderr.read().decode()[-2000:]}")
            if time.perf_counter() - started > timeout:
                raise TimeoutError("no 200 on /health")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
        first_200, cpu = time.perf_counter() - started, cpu_seconds(proc.pid)
        time.sleep(1.0)  # idle: whatever starts in the background has started
        return first_200, cpu, tree_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(runs: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-start-") as tmp:
        env = {**os.environ, "TESSERA_DATA_DIR": tmp, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        first = subprocess.run([sys.executable, "-m", "tessera.cli", "seed"], env=env, capture_output=True)
        if first.returncode:
            raise SystemExit(first.stderr.decode())
        results = [serve_once(env, free_port()) for _ in range(runs)]
    starts, cpu, rss = ([r[i] for r in results] for i in range(3))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"tessera serve, restart on a seeded store ({runs} runs, {os.cpu_count()} cores, load {load})")
    for col in ("measure", "median", "min", "max", "target"):
        table.add_column(col)
    table.add_row("launch to first 200 on /health", f"{statistics.median(starts):.2f} s", f"{min(starts):.2f} s",
                  f"{max(starts):.2f} s", f"≤ {TARGET_START_S:.0f} s")
    table.add_row("server CPU until that first 200", f"{statistics.median(cpu):.2f} s", f"{min(cpu):.2f} s",
                  f"{max(cpu):.2f} s", "")
    table.add_row("idle resident memory (RSS)", f"{statistics.median(rss):.0f} MB", f"{min(rss):.0f} MB",
                  f"{max(rss):.0f} MB", f"≤ {TARGET_RSS_MB} MB")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
