"""`python -m bench`: every measurement of issue 8, in order, on PostgreSQL.

Run it with the production settings (see the Makefile's `bench` target: DJANGO_DEBUG=0,
a throwaway key, DJANGO_SECURE_SSL_REDIRECT=0 for plain http on 127.0.0.1) and
DATABASE_URL naming the bench's database, which it drops and rebuilds:

1. `<name>_small`: the registry for N, and 10,000 referrals (the very large establishments
   fill up here); `<name>` is cloned from it;
2. the applicant list's p95 in the server on `<name>_small`;
3. `<name>` filled up to N referrals; VACUUM ANALYZE;
4. every page of the mix timed in the server on `<name>`, with its query count;
5. issues per second through the services and with raw psycopg, the statements of each,
   the services' statements replayed as SQL, and the ORM's cheapest statement
   (bench.bounds);
6. gunicorn under wrk: the mix, then /healthz with the same sessions, then without;
7. the table, with how far each ratio could go (bench.bounds), and bench/results.json.

`--reuse` keeps both databases when they already hold the rows asked for (for working on
the later steps; the figures of record come from a fresh run).
"""

import argparse
import os
import random
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="referrals at scale (N)")
    parser.add_argument("--small-rows", type=int, default=10_000, help="the flatness baseline")
    parser.add_argument("--samples", type=int, default=300, help="timed lists (flatness)")
    parser.add_argument("--page-samples", type=int, default=100, help="timed requests per page")
    parser.add_argument("--issues", type=int, default=600, help="issues per issuance variant x3")
    parser.add_argument("--seconds", type=int, default=30, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--reuse", action="store_true", help="keep databases that are full")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hellowork.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench import bounds, chain, database, generate, inserver, issuance, report, sessions
    from hellowork.models import AuditEvent, StaffMember
    from referrals.models import ReferralLetter

    if settings.DEBUG or database.connection.vendor != "postgresql":
        raise SystemExit("Run the bench with DJANGO_DEBUG=0 on PostgreSQL (see `make bench`).")
    rng = random.Random(8)
    big = database.current_name()
    small = f"{big}_small"
    phases: dict[str, float] = {}
    started = time.monotonic()

    def phase(name: str) -> None:
        nonlocal started
        now = time.monotonic()
        phases[name] = round(now - started, 1)
        started = now
        print(f"-- {name}: {phases[name]:.0f} s", flush=True)

    def holds(name: str, rows: int) -> bool:
        if not (args.reuse and database.exists(name)):
            return False
        database.use(name)
        return ReferralLetter.objects.count() >= rows

    # 1. The small database, and the big one cloned from it.
    print(f"-- generating {args.small_rows:,} referrals in {small}", flush=True)
    if not holds(small, args.small_rows):
        database.recreate(small)
        database.use(small)
        call_command("migrate", verbosity=0)
        generate.generate(rows=args.small_rows, scale=args.rows, check_foreign_keys=False)
        generate.vacuum_analyze()
        if not args.reuse or not database.exists(big):
            database.recreate(big, template=small)
    elif not database.exists(big):
        database.recreate(big, template=small)
    phase("small database")

    # Sessions of the very large establishments' members on the small database.
    database.use(small)
    featured_small = [
        sessions.Employer(m.pk, sessions.session_for(m.user), [])
        for m in sessions.featured_members()
    ]

    # 2. The big database.
    database.use(big)
    print(f"-- generating up to {args.rows:,} referrals in {big}", flush=True)
    if ReferralLetter.objects.count() < args.rows:
        generate.generate(rows=args.rows, scale=args.rows, check_foreign_keys=False)
    generate.vacuum_analyze()
    rows = ReferralLetter.objects.count()
    phase("big database")

    # 3. The flatness: the same pages on both databases, in alternating blocks; then
    # every page in the server, with its queries.
    featured = [
        sessions.Employer(m.pk, sessions.session_for(m.user), [])
        for m in sessions.featured_members()
    ]
    list_small, list_big = inserver.interleaved_lists(
        [(small, featured_small), (big, featured)], args.samples
    )
    database.use(big)
    phase("list timed at 10,000 and at N")
    employers = sessions.employers(64, rng=rng)
    clerks = sessions.clerks(args.connections)
    page_pairs = sessions.fresh_pairs(args.page_samples + inserver.WARM_UP, rng=rng)
    pages = inserver.measure_pages(employers, clerks[0], page_pairs, args.page_samples, rng)
    pages[0] = list_big  # the list of record: the very large establishments' pages
    phase("pages timed at N")

    # 4. Issuance.
    clerk = StaffMember.objects.select_related("user", "office").get(pk=clerks[-1].staff_id)
    issue_pairs = sessions.fresh_pairs(3 * args.issues + 15, rng=rng)
    issued = issuance.measure(clerk, issue_pairs)
    orm_floor = bounds.orm_floor([p.seeker_id for p in issue_pairs])
    chain_runs = chain.scaling(counts=(1, 2, 4, 8), seconds=5)
    chain_ceiling = next(
        run["appends_per_s"]
        for run in chain_runs
        if run["appenders"] == 8 and run["shape"] == "write"
    )
    phase("issuance")

    # 5. Load: at the given number of workers (the figures of record), and at 2 for the
    # ratio's scaling with processes.
    run: dict[str, Any] = {}
    cpu: dict[str, dict[str, float]] = {}
    by_workers: dict[int, dict[str, Any]] = {}
    load_average = os.getloadavg()  # other work on the machine skews every figure
    for workers in sorted({2, args.workers}):
        record = workers == args.workers
        pairs = sessions.fresh_pairs(40 * args.seconds, rng=rng)
        for i, c in enumerate(clerks):
            c.issues = pairs[i :: len(clerks)]
        modes = ("mix", "healthz", "healthz_anon") if record else ("mix", "healthz")
        runs, cpus = _load(args, big, employers, clerks, workers, modes)
        by_workers[workers] = {
            "load_rps": runs["mix"].rps,
            "floor_rps": runs["healthz"].rps,
            "load_ratio": round(runs["mix"].rps / runs["healthz"].rps, 3),
            "load_errors": runs["mix"].errors,
            "app_cpu_ms": round(
                1000 * cpus["mix"]["gunicorn_s"] / max(1, runs["mix"].raw["requests"]), 2
            ),
        }
        if record:
            run, cpu = runs, cpus
    phase("load")

    mix, floor = run["mix"], run["healthz"]
    # CPU milliseconds per request of each process on the cores: the app (gunicorn
    # workers), PostgreSQL (the bench database's backends), the sealer and wrk; for
    # docs/SCALING.md and bench.bounds.
    cpu_ms = {
        mode: {
            "app": round(1000 * c["gunicorn_s"] / max(1, run[mode].raw["requests"]), 2),
            "postgres": round(1000 * c["postgres_s"] / max(1, run[mode].raw["requests"]), 2),
            # The sealer's own process (its database backend is in "postgres").
            "sealer": round(1000 * c["sealer_s"] / max(1, run[mode].raw["requests"]), 2),
            # wrk, the load's client, on the same cores.
            "client": round(1000 * c["client_s"] / max(1, run[mode].raw["requests"]), 2),
        }
        for mode, c in cpu.items()
    }
    results: dict[str, Any] = {
        "rows": rows,
        "audit_events": AuditEvent.objects.count(),
        "issuance_per_s": issued.services_per_s,
        "raw_per_s": issued.raw_per_s,
        "raw_split_per_s": issued.raw_split_per_s,
        "issuance_ratio": round(issued.services_per_s / issued.raw_per_s, 3),
        "issuance_statements": issued.services_statements,
        "raw_statements": issued.raw_statements,
        "replayed_per_s": issued.replayed_per_s,
        "replayed_ratio": round(issued.replayed_per_s / issued.raw_per_s, 3),
        "orm_floor": asdict(orm_floor),
        "issuance_bound": bounds.issuance(
            statements=issued.services_statements,
            floor_wall_ms=orm_floor.wall_ms,
            raw_per_s=issued.raw_per_s,
        ),
        "audit_appends_per_s": chain_ceiling,
        "audit_chain": chain_runs,
        "load_rps": mix.rps,
        "load_p50_ms": mix.p50_ms,
        "load_p95_ms": mix.p95_ms,
        "load_p99_ms": mix.p99_ms,
        "load_errors": mix.errors,
        "load_issued": mix.issued,
        "floor_rps": floor.rps,
        "floor_anon_rps": run["healthz_anon"].rps,
        "floor_p95_ms": floor.p95_ms,
        "load_ratio": round(mix.rps / floor.rps, 3),
        "load_bound": bounds.load(
            floor_app_ms=cpu_ms["healthz"]["app"],
            floor_other_ms=bounds.outside_app(cpu_ms["healthz"]),
            mix_other_ms=bounds.outside_app(cpu_ms["mix"]),
        ),
        "list_p95_ms": list_big.p95_ms,
        "list_p50_ms": list_big.p50_ms,
        "list_p95_small_ms": list_small.p95_ms,
        "flatness_ratio": round(list_big.p95_ms / list_small.p95_ms, 3),
        "queries": {p.page: p.queries for p in pages},
        "pages": {
            p.page: {
                "p50_ms": p.p50_ms,
                "p95_ms": p.p95_ms,
                "cpu_ms": p.cpu_ms,
                "queries_vary": p.queries_vary,
            }
            for p in pages
        },
        "load_detail": {name: r.raw for name, r in run.items()},
        "load_by_workers": by_workers,
        "cpu_ms_per_request": cpu_ms,
        "settings": {
            "samples": args.samples,
            "page_samples": args.page_samples,
            "issues": issued.issues,
            "seconds": args.seconds,
            "connections": args.connections,
            "gunicorn_workers": args.workers,
            "small_rows": args.small_rows,
        },
        "phase_seconds": phases,
        "load_average_before_load": [round(x, 2) for x in load_average],
        "machine": report.machine(),
        "postgresql": database.server_facts(),
    }
    report.write(results)
    report.print_table(results)


def _load(
    args: argparse.Namespace,
    big: str,
    employers: list[Any],
    clerks: list[Any],
    workers: int,
    modes: tuple[str, ...],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """gunicorn with `workers` sync workers and the sealer beside it, under wrk for each
    mode in turn; returns the wrk results and the CPU seconds of the workers, of
    PostgreSQL's backends and of the sealer, by mode."""
    from bench import database, load

    run: dict[str, Any] = {}
    cpu: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.lua"
        load.write_data(data, employers, clerks, args.connections)
        server = load.Gunicorn(database.url(big), workers)
        sealer = load.Sealer(database.url(big))
        try:
            app = load.CpuMeter(lambda: load.children(server.process.pid))
            db = load.CpuMeter(lambda: database.backend_pids(big))
            sealing = load.CpuMeter(lambda: [sealer.process.pid])
            for mode in modes:
                print(
                    f"-- wrk {mode}: {args.seconds} s, {args.connections} connections, "
                    f"{workers} workers",
                    flush=True,
                )
                app.start()
                db.start()
                sealing.start()
                run[mode] = load.run_wrk(
                    server.url, data, mode=mode, connections=args.connections, seconds=args.seconds
                )
                cpu[mode] = {
                    "gunicorn_s": app.stop(),
                    "postgres_s": db.stop(),
                    "sealer_s": sealing.stop(),
                    "client_s": run[mode].client_cpu_s,
                }
        finally:
            server.stop()
            sealer.stop()
    return run, cpu


if __name__ == "__main__":
    main()
