"""The my page and the counter under load: gunicorn with the production settings on
127.0.0.1, driven by wrk with bench/mix.lua, and the same load on /healthz as the floor.

gunicorn runs the application as deployed (DJANGO_DEBUG=0, WhiteNoise, persistent
database connections) with sync workers; wrk keeps `connections` requests in flight, one
per thread, each thread acting as its own employers and one clerk (see mix.lua).
"""

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.sessions import Clerk, Employer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class LoadResult:
    mode: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    issued: int
    raw: dict[str, Any]
    client_cpu_s: float  # wrk's own CPU: it shares the machine's cores with the server


def _lua(value: Any) -> str:
    """Python data as a Lua literal (strings, numbers, lists and dicts of them)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a valid Lua string here (ASCII only)


def write_data(path: Path, employers: list[Employer], clerks: list[Clerk], threads: int) -> None:
    """The Lua file mix.lua reads: per thread, a few employers and one clerk with its issues."""
    employers = [e for e in employers if e.applicants]
    rows = []
    for t in range(threads):
        mine = employers[t::threads] or employers[t % len(employers) :][:1]
        clerk = clerks[t % len(clerks)]
        rows.append(
            {
                "employers": [{"session": e.session, "applicants": e.applicants} for e in mine],
                "clerk": {
                    "session": clerk.session,
                    "csrf": clerk.csrf,
                    "consultations": clerk.consultations,
                    "display": str(clerk.display_id),
                    "display_cookie": clerk.display_cookie,
                    "issues": [
                        {
                            "seeker": str(p.seeker_id),
                            "number": p.posting_number,
                            "posting": str(p.posting_id),
                            "digits": p.digits,
                            "year": str(p.birth_date.year),
                            "month": str(p.birth_date.month),
                            "day": str(p.birth_date.day),
                        }
                        for p in clerk.issues
                    ],
                },
            }
        )
    path.write_text("return " + _lua({"threads": rows}) + "\n", encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """gunicorn serving the application on a free port of 127.0.0.1 until stopped."""

    def __init__(self, database_url: str, workers: int) -> None:
        self.port = _free_port()
        env = dict(os.environ, DATABASE_URL=database_url)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hellowork.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--worker-class", "sync", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class Sealer:
    """`manage.py audit_seal --loop 1` on the bench's database, as production runs it beside
    the app servers (its CPU is measured apart: it is not per request)."""

    def __init__(self, database_url: str) -> None:
        env = dict(os.environ, DATABASE_URL=database_url)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "audit_seal", "--loop", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds spent by given processes between start() and stop(): the gunicorn
    workers, and the PostgreSQL backends serving the bench's database."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = {pid: _cpu_seconds(pid) for pid in self.pids()}

    def stop(self) -> float:
        return round(sum(_cpu_seconds(p) - self.before.get(p, 0.0) for p in self.pids()), 2)


def run_wrk(url: str, data: Path, *, mode: str, connections: int, seconds: int) -> LoadResult:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = Path(out.name)
    env = dict(os.environ, BENCH_DATA=str(data), BENCH_OUT=str(out_path), BENCH_MODE=mode)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped here
    subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", "10s", "-s", str(HERE / "mix.lua"), url],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    raw = json.loads(out_path.read_text())
    out_path.unlink()
    seconds_run = raw["duration_us"] / 1e6
    # `unexpected` counts every answer with another status than expected (wrk's own
    # status errors, 4xx and 5xx, are among them); socket errors and timeouts come on top.
    errors = raw["socket_errors"] + raw["timeouts"] + raw["unexpected"]
    return LoadResult(
        mode,
        round(raw["requests"] / seconds_run, 1),
        round(raw["p50_us"] / 1000, 2),
        round(raw["p95_us"] / 1000, 2),
        round(raw["p99_us"] / 1000, 2),
        errors,
        raw["issued"],
        raw,
        round(client_cpu_s, 2),
    )
