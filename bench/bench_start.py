"""Benchmark: `tessera serve` restarted on a seeded store: seconds from launch to the first 200 on /health (alive:
the server listens and says "starting") and on /ready (it takes turns), and the idle server's resident memory (RSS),
with what is loaded; also the server's CPU seconds until each, which a busy machine inflates much less than the
wall-clock figures. Usage: python -m bench.bench_start [--runs N]."""
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


def first_200(proc: subprocess.Popen, url: str, started: float, timeout: float) -> float:
    """Polls `url` until it answers 200; the seconds since `started`."""
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"tessera serve exited: {proc.stderr.read().decode()[-2000:]}")
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"no 200 on {url}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)


def serve_once(env: dict, port: int, timeout: float = 120.0) -> tuple[float, float, float, float, float]:
    """Launch, wait for /health and then /ready to answer 200, let it settle; (seconds to the first 200 on /health,
    CPU seconds the server used until then, the same two for /ready, idle RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tessera.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        alive = first_200(proc, f"http://127.0.0.1:{port}/health", started, timeout)
        alive_cpu = cpu_seconds(proc.pid)
        ready = first_200(proc, f"http://127.0.0.1:{port}/ready", started, timeout)
        ready_cpu = cpu_seconds(proc.pid)
        time.sleep(1.0)  # idle: whatever starts in the background has started
        return alive, alive_cpu, ready, ready_cpu, tree_rss_mb(proc.pid)
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
    alive, alive_cpu, ready, ready_cpu, rss = ([r[i] for r in results] for i in range(5))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"tessera serve, restart on a seeded store ({runs} runs, {os.cpu_count()} cores, load {load})")
    for col in ("measure", "median", "min", "max", "target"):
        table.add_column(col)

    def row(label, values, unit, target=""):
        table.add_row(label, f"{statistics.median(values):.{0 if unit == 'MB' else 2}f} {unit}",
                      f"{min(values):.{0 if unit == 'MB' else 2}f} {unit}",
                      f"{max(values):.{0 if unit == 'MB' else 2}f} {unit}", target)

    row("launch to first 200 on /health (alive, \"starting\")", alive, "s", f"≤ {TARGET_START_S:.0f} s")
    row("server CPU until that first 200", alive_cpu, "s")
    row("launch to first 200 on /ready (takes turns)", ready, "s")
    row("server CPU until ready", ready_cpu, "s")
    row("idle resident memory (RSS), once ready", rss, "MB", f"≤ {TARGET_RSS_MB} MB")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
