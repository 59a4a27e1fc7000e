"""The bench's answer: a table on the terminal and bench/results.json."""

import json
import os
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"

TARGETS = {
    "list_p95_ms": ("<", 25.0),
    "flatness_ratio": ("<", 1.3),
    "issuance_ratio": (">=", 0.40),
    "load_ratio": (">=", 0.50),
    "load_errors": ("==", 0),
}


def machine() -> dict[str, Any]:
    """Cores, memory and CPU of this machine (Linux /proc when there is one)."""
    facts: dict[str, Any] = {"cores": os.cpu_count(), "python": platform.python_version()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(meminfo.split("MemTotal:")[1].split()[0])
        facts["ram_gib"] = round(kib / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text()
        facts["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
    except (OSError, IndexError, StopIteration, ValueError):
        pass
    return facts


def verdict(key: str, value: float) -> str:
    op, limit = TARGETS[key]
    met = {"<": value < limit, ">=": value >= limit, "==": value == limit}[op]
    return f"{'met' if met else 'MISSED'} (target {op} {limit:g})"


def reach(key: str, bound: float, by: str) -> str:
    """What a ratio's bound (bench.bounds) says of its target: "" when the bound reaches it,
    else that `by` (what the bound holds fixed) cannot meet it."""
    if verdict(key, bound).startswith("met"):
        return ""
    return f"; below the target: not with {by}"


def write(results: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def print_table(results: dict[str, Any]) -> None:
    r = results
    rows: list[tuple[str, str, str]] = [
        ("referrals in the database", f"{r['rows']:,}", f"audit events {r['audit_events']:,}"),
        ("applicant list p95, 10,000 rows", f"{r['list_p95_small_ms']:.2f} ms", "in the server"),
        ("applicant list p95, N rows", f"{r['list_p95_ms']:.2f} ms", verdict("list_p95_ms", r["list_p95_ms"])),
        ("flatness (N / 10,000)", f"{r['flatness_ratio']:.2f}", verdict("flatness_ratio", r["flatness_ratio"])),
        ("issues/s through the services", f"{r['issuance_per_s']:.1f}", ""),
        ("issues/s raw psycopg (1 transaction)", f"{r['raw_per_s']:.1f}", f"7 transactions: {r['raw_split_per_s']:.1f}/s"),
        ("issuance ratio", f"{r['issuance_ratio']:.2f}", verdict("issuance_ratio", r["issuance_ratio"])),
        ("  at the ORM's floor (bench.bounds)", f"{r['issuance_bound']:.2f}",
         f"{r['issuance_statements']} statements per issue (raw {r['raw_statements']}), each"
         f" at the ORM's read by key ({r['orm_floor']['wall_ms']:.2f} ms), the rest free"
         + reach("issuance_ratio", r["issuance_bound"], "these statements through the ORM")),
        ("  the statements as SQL, no Python", f"{r['replayed_ratio']:.2f}",
         f"the services' statements of one issue replayed: {r['replayed_per_s']:.1f}/s, no commit"
         + reach("issuance_ratio", r["replayed_ratio"], "these statements, one round trip each")),
        ("audit events/s (8 appenders)", f"{r.get('audit_appends_per_s', 0):.0f}", "BEGIN, one event, COMMIT; the sealer beside"),
        ("mixed load", f"{r['load_rps']:.1f} req/s",
         f"p50 {r['load_p50_ms']:.1f} / p95 {r['load_p95_ms']:.1f} / p99 {r['load_p99_ms']:.1f} ms"),
        ("/healthz with the same sessions", f"{r['floor_rps']:.1f} req/s",
         f"without cookies {r['floor_anon_rps']:.1f} req/s"),
        ("load ratio", f"{r['load_ratio']:.2f}", verdict("load_ratio", r["load_ratio"])),
        ("  with pages free in the app (bench.bounds)", f"{r['load_bound']:.2f}",
         "each page at /healthz's app CPU; PostgreSQL, sealer, wrk as measured"
         + reach("load_ratio", r["load_bound"], "the app's CPU alone")),
        ("load errors", str(r["load_errors"]), verdict("load_errors", r["load_errors"])),
    ]  # fmt: skip
    for run in r.get("audit_chain", []):
        rows.append(
            (
                f"  audit events/s, {run['appenders']} appenders, {run.get('shape', 'write')}s",
                f"{run['appends_per_s']:.0f}",
                f"sealed {run['sealed_per_s']:.0f}/s meanwhile; at stop {run['unsealed_at_stop']} "
                f"unsealed, lag {run['lag_at_stop_s']:.1f} s, caught up in {run['catch_up_s']:.1f} s",
            )
        )
    for workers, at in sorted(r.get("load_by_workers", {}).items(), key=lambda kv: int(kv[0])):
        rows.append(
            (
                f"  load ratio, {workers} gunicorn workers",
                f"{at['load_ratio']:.2f}",
                f"mix {at['load_rps']:.1f} / healthz {at['floor_rps']:.1f} req/s, "
                f"{at['load_errors']} errors, app CPU {at['app_cpu_ms']:.2f} ms per request",
            )
        )
    for mode, cost in r.get("cpu_ms_per_request", {}).items():
        rows.append(
            (
                f"  CPU per request, {mode}",
                f"app {cost['app']:.2f} ms",
                f"PostgreSQL {cost['postgres']:.2f} ms, sealer {cost.get('sealer', 0):.2f} ms, "
                f"wrk {cost.get('client', 0):.2f} ms",
            )
        )
    for page, timing in r["pages"].items():
        rows.append(
            (f"  {page}", f"p50 {timing['p50_ms']:.2f} / p95 {timing['p95_ms']:.2f} ms",
             f"{r['queries'][page]} queries" + (" (varies)" if timing["queries_vary"] else "")
             + (f", CPU {timing['cpu_ms']:.2f} ms in the server" if "cpu_ms" in timing else "")),
        )  # fmt: skip
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    print()
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>{value_width}}  {note}")
    print(f"\nwritten to {RESULTS}")
