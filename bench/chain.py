"""How many audit events per second the trail takes, with 1, 2, 4 and 8 appenders.

Since issue 18 `audit.record` is one INSERT with no lock and no hash, and one sealer
(hellowork.audit_sealer) chains the committed rows a moment later. Here `appenders`
processes append one event per transaction for `seconds`, as fast as they can, while a
sealer runs beside them as in production (a thread here, on its own connection, sealing a
batch as soon as there is one). Two shapes: a write's (BEGIN, the event, COMMIT; the
figures before issue 18 were measured so) and a page view's (the event alone in
autocommit, `audit.record_read`). Until issue 18's last stop the appenders were threads of
the bench's process, which measured its interpreter lock more than the trail.

Reported per shape and count of appenders: the appends per second, the events the sealer
sealed per second meanwhile, and the lag left when the appenders stop (the unsealed events
and the oldest one's age), then how long the sealer took to catch up. Before issue 18
appends were serialised by one advisory lock held until commit, so more appenders did not
help (576/s with 8 on a quiet machine, 117-237/s on this shared one).
"""

import multiprocessing
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, connections, transaction

from hellowork import audit, audit_sealer
from hellowork.models import User


@dataclass(frozen=True)
class ChainRun:
    appenders: int
    shape: str
    appends_per_s: float
    sealed_per_s: float
    unsealed_at_stop: int
    lag_at_stop_s: float
    catch_up_s: float


class _Sealer(threading.Thread):
    """The sealer, on its own connection, until told to stop."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.sealed = 0

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                done = audit_sealer.seal_batch().sealed
                self.sealed += done
                if done == 0:
                    time.sleep(0.05)
        finally:
            audit_sealer.release_lock()
            connection.close()


def _drain() -> float:
    """Seal everything committed; the seconds it took."""
    started = time.monotonic()
    audit_sealer.seal()
    audit_sealer.release_lock()
    return round(time.monotonic() - started, 2)


def _append_for(
    slot: int, shape: str, actor_id: int | None, seconds: float, go: Any, counts: Any
) -> None:
    """One appender process: wait for the start, then append for `seconds`."""
    actor = User.objects.filter(pk=actor_id).first()
    go.wait()
    stop = time.monotonic() + seconds
    appended = 0
    try:
        while time.monotonic() < stop:
            if shape == "write":  # as a service records its change: in its transaction
                with transaction.atomic():
                    audit.record("bench.chain", actor=actor, detail={"slot": slot})
            else:  # as a page view records its read (rule 10): one INSERT in autocommit
                audit.record_read("bench.chain", actor=actor, detail={"slot": slot})
            appended += 1
    finally:
        counts[slot] = appended
        connection.close()


def measure(appenders: int, *, shape: str = "write", seconds: float = 5.0) -> ChainRun:
    """`appenders` processes, as gunicorn's workers are (threads of one process would
    share one interpreter lock, and measure Python rather than the trail). `shape`:
    "write", BEGIN, the event, COMMIT (as before issue 18, the figures' comparison), or
    "read", the event alone in autocommit (a page view's trace since issue 18)."""
    actor_id = (
        User.objects.filter(kind="employer").order_by("id").values_list("id", flat=True).first()
    )
    _drain()
    # Forked children must not share this process's connection: close it first, and start
    # the sealer's thread (with its own connection) only after the fork.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    go = context.Event()
    counts = context.Array("q", appenders)
    workers = [
        context.Process(target=_append_for, args=(slot, shape, actor_id, seconds, go, counts))
        for slot in range(appenders)
    ]
    for worker in workers:
        worker.start()
    sealer = _Sealer()
    sealer.start()
    started = time.monotonic()
    go.set()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    if failed := [w.exitcode for w in workers if w.exitcode != 0]:
        raise RuntimeError(f"appenders failed (exit codes {failed}): the figure would be low")
    sealer.stopping.set()
    sealer.join()
    left = audit_sealer.tail()
    return ChainRun(
        appenders=appenders,
        shape=shape,
        appends_per_s=round(sum(counts) / elapsed, 1),
        sealed_per_s=round(sealer.sealed / elapsed, 1),
        unsealed_at_stop=left.unsealed,
        lag_at_stop_s=left.lag_seconds,
        catch_up_s=_drain(),
    )


def scaling(
    *, counts: tuple[int, ...] = (1, 2, 4, 8), seconds: float = 5.0
) -> list[dict[str, Any]]:
    """One run per shape and count of appenders, writes first (the chain's correctness is
    the tests' business: tests/hellowork/test_audit_sealer.py)."""
    return [
        asdict(measure(n, shape=shape, seconds=seconds))
        for shape in ("write", "read")
        for n in counts
    ]
