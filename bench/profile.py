"""`python -m bench.profile`: where the app's CPU goes on each page of the bench's mix.

Run it like the bench (see the Makefile's `bench-profile` target: production settings,
DATABASE_URL naming a database the bench has filled, e.g. after `make bench-quick`). It
makes the same requests as the bench's in-server step (bench.inserver.measure_pages),
profiles only the requests themselves with cProfile (in CPU time), and prints for each page its median
CPU per request in this process (the app without PostgreSQL) and the functions that cost
most: by own time, and by cumulative time among this project's code and the framework's
entry points. `--save DIR` also writes each page's profile as a .pstats file (for snakeviz
or `python -m pstats`).
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import time
from pathlib import Path

# This project's modules, not the installed packages under .venv.
OURS = r"^(?!.*[/\\]\.venv[/\\]).*(hellowork|referrals|employer_portal|counter)[/\\]"


def _top(stats: pstats.Stats, sort: str, count: int, *restrictions: str) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]  # pstats prints to its stream
    stats.sort_stats(sort).print_stats(*restrictions, count)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(lines[start:])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="profiled requests per page")
    parser.add_argument("--top", type=int, default=25, help="entries per listing")
    parser.add_argument("--save", type=Path, help="write <page>.pstats files here")
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hellowork.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench import database, inserver, sessions

    if settings.DEBUG or database.connection.vendor != "postgresql":
        raise SystemExit("Profile with DJANGO_DEBUG=0 on the bench's PostgreSQL database.")
    rng = random.Random(18)
    employers = sessions.employers(64, rng=rng)
    clerk = sessions.clerks(1)[0]
    pairs = sessions.fresh_pairs(args.requests + inserver.WARM_UP, rng=rng)
    # CPU time, not wall time: waiting for PostgreSQL is not the app's cost.
    profilers = {page: cProfile.Profile(time.process_time) for page in inserver.PAGES}
    timings = inserver.measure_pages(
        employers, clerk, pairs, args.requests, rng, profilers=profilers
    )
    for timing in timings:
        stats = pstats.Stats(profilers[timing.page])
        print(
            f"\n=== {timing.page}: CPU {timing.cpu_ms} ms per request (median), "
            f"wall p50 {timing.p50_ms} ms, {timing.queries} queries, {timing.count} requests"
        )
        if args.queries:
            print("--- queries of the last request")
            for number, sql in enumerate(timing.last_queries, 1):
                print(f"{number:3}. {sql[:300]}")
        print("--- own time")
        print(_top(stats, "tottime", args.top))
        print("--- cumulative")
        print(_top(stats, "cumulative", args.top))
        print("--- cumulative, this project's code")
        print(_top(stats, "cumulative", args.top, OURS))
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            stats.dump_stats(args.save / f"{timing.page}.pstats")


if __name__ == "__main__":
    main()
