"""The sealer: chains the audit trail's unsealed rows, off the requests' path (issue 18).

`audit.record` inserts events unsealed, with no lock and no hash. One sealer process
(`manage.py audit_seal --loop 1`, the Procfile's `seal`) takes the committed unsealed
rows in id order, a batch per transaction, and gives each its place in the chain (`seq`:
the last sealed place + 1), the previous sealed row's hash and its own hash
(`audit.event_hash`). A sealed row can never change: the database allows exactly that one
UPDATE of an unsealed row (migration 0012).

Why places are given at seal time, not taken from the id: on PostgreSQL an id is given at
INSERT and the row becomes visible at COMMIT, so an event with a lower id can commit after
a higher one was already sealed (a slow transaction), and ids burned by rolled-back
transactions leave gaps that never fill. Sealing "in id order up to the first gap" would
have to guess how long to wait for a gap; sealing by id order and then refusing a late
lower id would lose it. With `seq`, whatever is committed is sealed in the next round, in
id order among what is there, and a late lower id is simply sealed after: nothing is
skipped, nothing waits for a gap. The chain's order is `seq`; `audit.verify` and the
checkpoints walk it.

One sealer at a time: on PostgreSQL a session advisory lock (`SEALER_LOCK_KEY`) that only
the sealer takes, held for the life of its connection; a second sealer started by mistake
finds it taken and seals nothing (it stands by, and takes over when the first one's
connection ends). On SQLite the seal transaction's write lock serialises sealers. Behind
both, `seq` and `hash` are unique, so two sealers could never commit the same place.

Privilege: the application's role cannot UPDATE audit rows at all (hellowork.db_roles);
`audit_seal` connects as the tables' owner (DATABASE_OWNER_URL) when it is configured.

The lag (`tail`): how many committed events are unsealed, and the age of the oldest. The
dashboard shows it to managers, and `escalate_overdue` logs an error (the operators'
alarm) while it is past `AUDIT_SEAL_ALARM_SECONDS` (60).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from hellowork import audit
from hellowork.models import AuditEvent

logger = logging.getLogger(__name__)

# PostgreSQL session advisory lock key held by the one sealer ("HWSEAL").
SEALER_LOCK_KEY = 0x4857_5345_414C
BATCH_SIZE = 500


def _holds_or_takes_lock() -> bool:
    """True when this connection holds the sealer's lock (taking it if free). Session
    advisory locks stack, so it is only taken when not yet held."""
    if connection.vendor != "postgresql":
        return True  # SQLite: the seal transaction's write lock serialises sealers
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN EXISTS ("
            "  SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            "  AND pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s"
            "  AND objsubid = 1"
            ") THEN true ELSE pg_try_advisory_lock(%s) END",
            [SEALER_LOCK_KEY >> 32, SEALER_LOCK_KEY & 0xFFFF_FFFF, SEALER_LOCK_KEY],
        )
        (held,) = cursor.fetchone()
    return bool(held)


def release_lock() -> None:
    """Let another sealer take over (the lock also ends with the connection)."""
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")


@dataclass(frozen=True)
class Sealed:
    """One round: `sealed` events chained, the chain's head now at place `head_seq`
    (0: empty); `standby` when another sealer holds the lock (nothing was sealed)."""

    sealed: int
    head_seq: int
    standby: bool = False


def seal_batch(*, batch_size: int = BATCH_SIZE) -> Sealed:
    """Seal up to `batch_size` unsealed committed events, in id order, in one transaction.
    Refuses (RuntimeError, nothing sealed) when a row it read was sealed meanwhile."""
    with transaction.atomic():
        if not _holds_or_takes_lock():
            return Sealed(0, 0, standby=True)
        last = (
            AuditEvent.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        head_seq, prev = (int(last[0] or 0), str(last[1])) if last else (0, audit.GENESIS)
        rows = list(AuditEvent.objects.filter(hash__isnull=True).order_by("id")[:batch_size])
        if not rows:
            return Sealed(0, head_seq)
        seals: list[tuple[int, int, str, str]] = []
        for row in rows:
            head_seq += 1
            digest = audit.hash_of(row, prev_hash=prev)
            seals.append((row.id, head_seq, prev, digest))
            prev = digest
        _write(seals)
    return Sealed(len(rows), head_seq)


def _write(seals: list[tuple[int, int, str, str]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the batch: the rows' values as four parallel arrays.
            cursor.execute(
                "UPDATE hellowork_auditevent AS e SET seq = v.seq, prev_hash = v.prev, "
                "hash = v.digest FROM unnest(%s::bigint[], %s::bigint[], %s::text[], "
                "%s::text[]) AS v(id, seq, prev, digest) WHERE e.id = v.id AND e.hash IS NULL",
                [list(column) for column in zip(*seals, strict=True)],
            )
            updated = cursor.rowcount
        else:
            updated = 0
            for event_id, seq, prev, digest in seals:
                cursor.execute(
                    "UPDATE hellowork_auditevent SET seq = %s, prev_hash = %s, hash = %s "
                    "WHERE id = %s AND hash IS NULL",
                    [seq, prev, digest, event_id],
                )
                updated += cursor.rowcount
    if updated != len(seals):
        raise RuntimeError("audit rows were sealed by someone else meanwhile; nothing sealed")


def seal(*, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> Sealed:
    """Seal every unsealed committed event (or `max_batches` batches), batch after batch.
    With nothing to seal, one read and no transaction (SQLite's write lock, the lock
    check): `head_seq` is then 0, not looked up."""
    if not AuditEvent.objects.filter(hash__isnull=True).exists():
        return Sealed(0, 0)
    total, batches = 0, 0
    while True:
        outcome = seal_batch(batch_size=batch_size)
        total += outcome.sealed
        batches += 1
        done = outcome.sealed < batch_size or (max_batches is not None and batches >= max_batches)
        if outcome.standby or done:
            return Sealed(total, outcome.head_seq, outcome.standby)


@dataclass(frozen=True)
class Tail:
    """The unsealed events: how many, the oldest one's time, and its age in seconds (the
    sealer's lag; 0 when everything is sealed)."""

    unsealed: int
    oldest_at: datetime.datetime | None
    lag_seconds: float

    @property
    def alarming(self) -> bool:
        return self.lag_seconds > settings.AUDIT_SEAL_ALARM_SECONDS


def tail(*, now: datetime.datetime | None = None) -> Tail:
    """One query on the unsealed rows' partial index."""
    found = AuditEvent.objects.filter(hash__isnull=True).aggregate(
        unsealed=Count("id"), oldest=Min("at")
    )
    oldest = found["oldest"]
    lag = max(0.0, ((now or timezone.now()) - oldest).total_seconds()) if oldest else 0.0
    return Tail(found["unsealed"], oldest, round(lag, 1))


def check_lag(*, now: datetime.datetime | None = None) -> Tail:
    """The periodic check (`escalate_overdue`): the operators' alarm, an ERROR in the log,
    while the lag is past AUDIT_SEAL_ALARM_SECONDS (the sealer is down or cannot keep up).
    Counts and seconds only."""
    found = tail(now=now)
    if found.alarming:
        logger.error(
            "audit sealer lag %.0f s: %d events unsealed (alarm past %d s); is `audit_seal` "
            "running?",
            found.lag_seconds,
            found.unsealed,
            settings.AUDIT_SEAL_ALARM_SECONDS,
        )
    return found
