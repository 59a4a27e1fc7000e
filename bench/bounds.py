"""How far issue 18's two ratios could go, worked out from figures of the same run.

Four stops of tuning left the issuance ratio (target >= 0.40) and the load ratio (target
>= 0.50) far short. Each figure here grants something no code could do and holds one cost
fixed, so it says what the target would take, not that it is impossible:

- `issuance`: the services' issue makes `statements` statements (BEGIN, COMMIT and
  savepoints not counted). Suppose each cost what the ORM's cheapest statement costs, one
  row read by primary key, measured in wall time by `orm_floor` (median), and the rest of
  Python nothing. Then the services issue 1 / (statements x floor) a second, and the ratio
  is that over the raw rate. Held fixed: the statement count and the ORM. The audit
  appends already skip the ORM's compiler (hellowork.audit), so for them the floor is a
  little high. Without the ORM, see the statements replayed as SQL
  (bench.issuance.replay_per_second).
- `load`: the load is CPU-bound, so the ratio follows the CPU per request of the two modes,
  counting every process on the machine's cores (app, PostgreSQL, sealer, and wrk, the
  load's client). Suppose every page of the mix cost the app no more than the empty
  logged-in /healthz, which goes through the same middleware, session, user and device
  checks. Then the ratio is at most healthz's whole CPU over the sum of healthz's app CPU
  and the mix's CPU outside the app. Held fixed: what the mix costs PostgreSQL, the sealer
  and wrk.
"""

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

# Statements that only open, close or mark a transaction: not a read or a write of the rules.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass(frozen=True)
class OrmFloor:
    wall_ms: float  # median wall time of one read by primary key through the ORM
    cpu_ms: float  # the same reads' CPU in this process, per read (mean)
    samples: int


def orm_floor(seeker_ids: Sequence[int], *, samples: int = 1000) -> OrmFloor:
    """The ORM's cheapest statement on this machine and database: `JobSeeker.objects.get`
    by primary key, cycling through `seeker_ids` (rows that exist), after 50 unmeasured
    reads (connection, prepared statement). ValueError without ids."""
    from hellowork.models import JobSeeker

    if not seeker_ids:
        raise ValueError("orm_floor needs the ids of existing seekers")
    for i in range(50):
        JobSeeker.objects.get(pk=seeker_ids[i % len(seeker_ids)])
    walls = []
    cpu_started = time.process_time()
    for i in range(samples):
        started = time.perf_counter()
        JobSeeker.objects.get(pk=seeker_ids[i % len(seeker_ids)])
        walls.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu_started
    return OrmFloor(
        wall_ms=round(1000 * statistics.median(walls), 3),
        cpu_ms=round(1000 * cpu / samples, 3),
        samples=samples,
    )


def reads_or_writes(sql: str) -> bool:
    """Whether this SQL statement reads or writes, rather than control the transaction."""
    return not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)


def rule_statements(sqls: Sequence[str]) -> int:
    """How many of these SQL statements read or write (the transaction control left out)."""
    return sum(1 for sql in sqls if reads_or_writes(sql))


def issuance(*, statements: int, floor_wall_ms: float, raw_per_s: float) -> float:
    """The issuance ratio if each of the services' `statements` per issue cost the ORM's
    floor and nothing else cost anything: that rate over the raw rate. ValueError naming
    the figure that is not positive."""
    for name, value in (
        ("statements", statements),
        ("floor_wall_ms", floor_wall_ms),
        ("raw_per_s", raw_per_s),
    ):
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")
    best_per_s = 1000 / (statements * floor_wall_ms)
    return round(best_per_s / raw_per_s, 3)


def outside_app(cpu_ms: dict[str, float]) -> float:
    """A mode's CPU per request outside the app: every entry of the bench's
    `cpu_ms_per_request` for it but "app" (PostgreSQL, the sealer, wrk)."""
    return round(sum(ms for process, ms in cpu_ms.items() if process != "app"), 2)


def load(*, floor_app_ms: float, floor_other_ms: float, mix_other_ms: float) -> float:
    """The load ratio if each page of the mix cost the app what /healthz does:
    `floor_app_ms` and `floor_other_ms`, /healthz's CPU per request in the app and elsewhere
    (PostgreSQL, sealer, wrk); `mix_other_ms`, the mix's CPU per request outside the app.
    ValueError naming the figure that is impossible (the floor's app CPU must be positive,
    the others not negative)."""
    if floor_app_ms <= 0:
        raise ValueError(f"floor_app_ms must be positive, not {floor_app_ms}")
    for name, value in (("floor_other_ms", floor_other_ms), ("mix_other_ms", mix_other_ms)):
        if value < 0:
            raise ValueError(f"{name} must not be negative, not {value}")
    return round((floor_app_ms + floor_other_ms) / (floor_app_ms + mix_other_ms), 3)
