"""How many audit events per second the trail takes, with 1, 2, 4 and 8 appenders.

Since issue 18 `audit.record` is one INSERT with no lock and no hash, and one sealer
(hellowork.audit_sealer) chains the committed rows a moment later. Here `appenders`
connections append one event per transaction (the shape of a page view's trace) for
`seconds`, as fast as they can, while a sealer runs beside them as in production (a thread
here, on its own connection, sealing a batch as soon as there is one). Reported per count
of appenders: the appends per second, the events the sealer sealed per second meanwhile,
and the lag left when the appenders stop (the unsealed events and the oldest one's age),
then how long the sealer took to catch up. Before issue 18 appends were serialised by one
advisory lock held until commit, so more appenders did not help (576/s with 8 on a quiet
machine, 117-237/s on this shared one).
"""

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction

from hellowork import audit, audit_sealer
from hellowork.models import User


@dataclass(frozen=True)
class ChainRun:
    appenders: int
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


def measure(appenders: int, *, seconds: float = 5.0) -> ChainRun:
    actor = User.objects.filter(kind="employer").order_by("id").first()
    _drain()
    counts = [0] * appenders
    sealer = _Sealer()
    sealer.start()
    stop = time.monotonic() + seconds

    def append(slot: int) -> None:
        try:
            while time.monotonic() < stop:
                with transaction.atomic():
                    audit.record("bench.chain", actor=actor, detail={"slot": slot})
                counts[slot] += 1
        finally:
            connection.close()  # each thread has its own connection

    workers = [threading.Thread(target=append, args=(i,)) for i in range(appenders)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    sealer.stopping.set()
    sealer.join()
    left = audit_sealer.tail()
    return ChainRun(
        appenders=appenders,
        appends_per_s=round(sum(counts) / elapsed, 1),
        sealed_per_s=round(sealer.sealed / elapsed, 1),
        unsealed_at_stop=left.unsealed,
        lag_at_stop_s=left.lag_seconds,
        catch_up_s=_drain(),
    )


def scaling(
    *, counts: tuple[int, ...] = (1, 2, 4, 8), seconds: float = 5.0
) -> list[dict[str, Any]]:
    """One run per count of appenders, in order (the chain's correctness is the tests'
    business: tests/hellowork/test_audit_sealer.py)."""
    return [asdict(measure(n, seconds=seconds)) for n in counts]
