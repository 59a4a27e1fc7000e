"""How many audit events per second the hash chain takes, whoever appends them.

Every audited transaction takes the chain's advisory lock in `audit.record` and holds it
until it commits, so appends are serialised across all processes: this ceiling holds for
the whole system however many app servers it has (docs/SCALING.md). Here `threads`
connections append one event per transaction (the shape of a page view's trace) for
`seconds`, as fast as they can.
"""

import threading
import time

from django.db import connection, transaction

from hellowork import audit
from hellowork.models import User


def appends_per_second(*, threads: int = 8, seconds: float = 5.0) -> float:
    actor = User.objects.filter(kind="employer").order_by("id").first()
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def append(slot: int) -> None:
        try:
            while time.monotonic() < stop:
                with transaction.atomic():
                    audit.record("bench.chain", actor=actor, detail={"slot": slot})
                counts[slot] += 1
        finally:
            connection.close()  # each thread has its own connection

    workers = [threading.Thread(target=append, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return round(sum(counts) / (time.monotonic() - started), 1)
