"""Issue 18, the sealer: appends are unsealed and lock-free; `audit_seal` chains the
committed rows in id order, a batch per transaction, under a lock only the sealer takes;
a sealed row never changes; the chain and the checkpoints cover the sealed part, and the
unsealed tail's age is the lag the dashboard and the alarm watch."""

import datetime
import itertools
import logging
import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from hellowork import audit, audit_checkpoints, audit_sealer, db_roles
from hellowork.models import AuditEvent
from tests.db_owner import owner_cursor, seal_audit_trail

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent connections: PostgreSQL"
)


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "anchors"
    settings.AUDIT_CHECKPOINT_KEY = "k" * 40


def append(n: int = 1) -> list[AuditEvent]:
    """n events, each in a transaction of its own (as n requests would)."""
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(audit.record("test.event", actor=None, detail={"n": i}))
    return events


def chain() -> list[tuple[int, int]]:
    return list(audit.sealed().values_list("id", "seq"))


def test_an_append_is_unsealed_and_takes_no_lock_nor_read(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(1):  # the INSERT, nothing else
        event = audit.record("test.event", actor=None, detail={"n": 1})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert stored.detail == {"n": 1}
    assert audit.verify() == (0, None)  # nothing sealed yet, nothing broken


def test_a_read_is_recorded_in_one_statement_without_a_transaction(django_assert_num_queries):
    """Issue 18: a page view's event (rule 10) has no change to join, so it is one INSERT
    in autocommit: no BEGIN and COMMIT around it. A change's event still needs its
    transaction, and a read inside one rolls back with it."""
    assert not connection.in_atomic_block
    with django_assert_num_queries(1):
        event = audit.record_read("seeker.viewed", actor=None, detail={"seeker_id": 7})
    assert AuditEvent.objects.get(pk=event.pk).detail == {"seeker_id": 7}
    with pytest.raises(RuntimeError):
        audit.record("referral.issued", actor=None)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        rolled_back = audit.record_read("seeker.viewed", actor=None)
        1 / 0  # noqa: B018  # the page failed after its read was recorded
    assert not AuditEvent.objects.filter(pk=rolled_back.pk).exists()
    assert seal_audit_trail().sealed == 1  # the committed read joins the chain like any event


def test_the_sealer_chains_unsealed_rows_in_id_order_in_batches():
    events = append(5)
    first = seal_audit_trail(batch_size=2, max_batches=1)
    assert (first.sealed, first.head_seq) == (2, 2)
    assert chain() == [(events[0].id, 1), (events[1].id, 2)]
    rest = seal_audit_trail(batch_size=2)
    assert (rest.sealed, rest.head_seq) == (3, 5)
    assert chain() == [(e.id, n) for n, e in enumerate(events, start=1)]
    sealed = list(audit.sealed())
    assert sealed[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(sealed))
    assert all(audit.hash_of(e) == e.hash for e in sealed)
    assert audit.verify() == (5, None)
    assert seal_audit_trail().sealed == 0  # nothing left: nothing done
    assert audit_sealer.tail().unsealed == 0


def test_the_seal_command_seals_and_says_so(capsys):
    append(3)
    call_command("audit_seal")
    assert "3 events sealed, chain head at 3" in capsys.readouterr().out
    assert audit.verify() == (3, None)


def test_a_sealed_row_can_never_change_even_for_the_owner():
    """The trigger allows one UPDATE of a row, the seal of an unsealed row touching nothing
    else; as the owner (who may UPDATE) every other change is still refused."""
    sealed, unsealed = append(2)
    seal_audit_trail(max_batches=1, batch_size=1)
    refused = [
        ("UPDATE hellowork_auditevent SET hash = %s WHERE id = %s", ["f" * 64, sealed.id]),
        ("UPDATE hellowork_auditevent SET seq = 7 WHERE id = %s", [sealed.id]),
        ("UPDATE hellowork_auditevent SET action = 'x' WHERE id = %s", [sealed.id]),
        ("DELETE FROM hellowork_auditevent WHERE id = %s", [sealed.id]),
        # A "seal" that also changes the content of the unsealed row:
        (
            "UPDATE hellowork_auditevent SET seq = 9, prev_hash = %s, hash = %s, "
            "action = 'x' WHERE id = %s",
            ["0" * 64, "e" * 64, unsealed.id],
        ),
        ("UPDATE hellowork_auditevent SET action = 'x' WHERE id = %s", [unsealed.id]),
        # Half a seal:
        ("UPDATE hellowork_auditevent SET hash = %s WHERE id = %s", ["e" * 64, unsealed.id]),
    ]
    for statement, params in refused:
        with pytest.raises((DatabaseError, psycopg.Error)), owner_cursor() as cursor:
            if connection.vendor == "sqlite":
                with transaction.atomic():
                    cursor.execute(statement, params)
            else:
                cursor.execute(statement, params)
    assert audit.verify() == (1, None)
    assert AuditEvent.objects.get(pk=unsealed.pk).hash is None
    assert seal_audit_trail().sealed == 1
    assert audit.verify() == (2, None)


def test_tampering_with_a_sealed_row_is_found_and_the_tail_is_reported(capsys):
    events = append(3)
    seal_audit_trail()
    audit_checkpoints.write()
    later = append(2)  # not sealed yet
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "3 events verified against 1 checkpoints" in out
    assert "2 events not yet sealed" in out
    report = audit_checkpoints.verify_anchored()
    assert (report.unsealed, report.unsealed_since) == (2, later[0].at)

    # The owner, with the trigger out of the way, changes a sealed row's content.
    with db_roles.as_owner(), transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE hellowork_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER hellowork_auditevent_no_update")
        cursor.execute(
            "UPDATE hellowork_auditevent SET target_id = '42' WHERE id = %s", [events[1].id]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE hellowork_auditevent ENABLE TRIGGER USER")
        else:
            from importlib import import_module

            module = import_module("hellowork.migrations.0012_audit_sealer")
            cursor.execute(module.SQLITE_UP[0])
    checked, broken = audit.verify()
    assert (checked, broken.event_id) == (1, events[1].id)
    seal_audit_trail()  # the sealer goes on; the break stays where it is
    assert audit.verify()[1].event_id == events[1].id


def test_a_late_lower_id_sealed_after_keeps_its_place_in_the_checkpoints():
    """Chain order is the seal's order: a checkpoint whose head has a lower id than an
    earlier checkpoint's head (sealed later) still verifies."""
    a, b = append(2)
    with transaction.atomic():
        c = audit.record("test.event", actor=None)
    # Seal b and c first, as if a had committed late (its place comes after them).
    with db_roles.as_owner(), transaction.atomic(), connection.cursor() as cursor:
        prev = audit.GENESIS
        for seq, event in enumerate([b, c, a], start=1):
            stored = AuditEvent.objects.get(pk=event.pk)
            digest = audit.hash_of(stored, prev_hash=prev)
            cursor.execute(
                "UPDATE hellowork_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [seq, prev, digest, event.pk],
            )
            prev = digest
            if seq == 2:
                break
    audit_checkpoints.write()  # head c, count 2
    seal_audit_trail()  # a, at place 3
    assert chain() == [(b.id, 1), (c.id, 2), (a.id, 3)]
    audit_checkpoints.write()  # head a (the lowest id), count 3
    report = audit_checkpoints.verify_anchored()
    assert (report.broken, report.checked, report.anchored.head_id) == (None, 3, a.id)


def test_the_lag_is_the_oldest_unsealed_events_age_and_alarms_past_a_minute(caplog):
    assert audit_sealer.tail() == audit_sealer.Tail(0, None, 0.0)
    (event,) = append(1)
    now = event.at + datetime.timedelta(seconds=61)
    found = audit_sealer.tail(now=now)
    assert (found.unsealed, found.oldest_at, found.lag_seconds) == (1, event.at, 61.0)
    assert found.alarming
    assert not audit_sealer.tail(now=event.at + datetime.timedelta(seconds=59)).alarming
    with caplog.at_level(logging.ERROR, logger="hellowork.audit_sealer"):
        audit_sealer.check_lag(now=now)
    assert "audit sealer lag 61 s: 1 events unsealed" in caplog.text
    seal_audit_trail()
    caplog.clear()
    assert audit_sealer.check_lag(now=now).lag_seconds == 0
    assert caplog.text == ""


@postgres_only
def test_two_sealers_do_not_both_seal():
    """The first sealer's session keeps the lock between rounds; a second one, on another
    connection, stands by and seals nothing until the first one's lock is gone."""
    append(2)
    results: list[audit_sealer.Sealed] = []

    def second_sealer() -> None:
        try:
            results.append(audit_sealer.seal())
        finally:
            connection.close()

    def run_second() -> audit_sealer.Sealed:
        thread = threading.Thread(target=second_sealer)
        thread.start()
        thread.join()
        return results.pop()

    with db_roles.as_owner():  # both connect as the owner, as audit_seal does
        try:
            assert audit_sealer.seal().sealed == 2
            append(1)
            assert run_second() == audit_sealer.Sealed(0, 0, standby=True)
            assert AuditEvent.objects.filter(hash__isnull=True).count() == 1
            assert audit_sealer.seal().sealed == 1  # the first goes on
            append(1)
            audit_sealer.release_lock()  # the first stops: the second takes over
            assert run_second().sealed == 1
        finally:
            audit_sealer.release_lock()
    assert audit.verify() == (4, None)


@postgres_only
def test_a_late_committing_lower_id_is_not_skipped():
    """A transaction takes an id, a later one commits first and is sealed; the earlier one
    then commits, and the next round seals it after: nothing is skipped or lost."""
    recorded, release = threading.Event(), threading.Event()
    slow: list[AuditEvent] = []

    def slow_request() -> None:
        try:
            with transaction.atomic():
                slow.append(audit.record("test.slow", actor=None))
                recorded.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_request)
    thread.start()
    assert recorded.wait(timeout=30)
    (fast,) = append(1)
    try:
        assert slow[0].id < fast.id
        assert seal_audit_trail().sealed == 1  # the slow one is not committed yet
        assert chain() == [(fast.id, 1)]
    finally:
        release.set()
        thread.join()
    assert seal_audit_trail().sealed == 1
    assert chain() == [(fast.id, 1), (slow[0].id, 2)]
    assert audit.verify() == (2, None)
    assert audit_sealer.tail().unsealed == 0


def test_a_round_refuses_a_row_sealed_by_someone_else_meanwhile(monkeypatch):
    """Behind the lock, the seal itself only writes rows still unsealed: if one was sealed
    in between, the whole batch rolls back."""
    append(2)
    real_write = audit_sealer._write

    def interfering(seals):
        event_id, seq, prev, digest = seals[0]
        real_write([(event_id, seq, prev, digest)])  # someone seals the first row
        real_write(seals)

    monkeypatch.setattr(audit_sealer, "_write", interfering)
    with pytest.raises(RuntimeError, match="sealed by someone else"), db_roles.as_owner():
        audit_sealer.seal()
    monkeypatch.undo()
    assert audit.verify() == (0, None)
    assert seal_audit_trail().sealed == 2
    assert audit.verify() == (2, None)


def test_the_escalation_worker_raises_the_alarm_while_the_sealer_lags(caplog, capsys):
    """The alarm comes from another worker (`escalate_overdue`, every 15-60 s): a sealer
    that died cannot raise its own."""
    import time_machine

    (event,) = append(1)
    with time_machine.travel(event.at + datetime.timedelta(seconds=30), tick=False):
        call_command("escalate_overdue")
    assert "AUDIT SEALER LAG" not in capsys.readouterr().out
    with (
        time_machine.travel(event.at + datetime.timedelta(seconds=90), tick=False),
        caplog.at_level(logging.ERROR, logger="hellowork.audit_sealer"),
    ):
        call_command("escalate_overdue")
    assert "AUDIT SEALER LAG 90 s" in capsys.readouterr().out
    assert "audit sealer lag 90 s" in caplog.text


def test_the_seal_command_goes_back_to_the_application_role():
    call_command("audit_seal")
    if db_roles.owner_configured():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == db_roles.app_role()
