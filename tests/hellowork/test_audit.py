from importlib import import_module

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from hellowork import audit, db_roles
from hellowork.models import AuditEvent, User, UserKind
from tests.db_owner import seal_audit_trail

SQLITE_SEAL_TRIGGERS = import_module("hellowork.migrations.0012_audit_sealer").SQLITE_UP


def append(n, actor=None, *, sealed=True):
    """n events in one transaction, then sealed as the sealer would (as the owner)."""
    with transaction.atomic():
        events = [audit.record("test.event", actor=actor, detail={"n": i}) for i in range(n)]
    if sealed:
        seal_audit_trail()
        events = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("id"))
    return events


@pytest.mark.django_db(transaction=True)
def test_events_chain_each_to_the_previous():
    events = append(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit.verify() == (3, None)


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_the_transaction_it_records():
    with pytest.raises(RuntimeError):
        audit.record("test.event", actor=None)
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE hellowork_auditevent SET action = 'x'",
        "DELETE FROM hellowork_auditevent",
    ],
)
def test_the_database_refuses_update_and_delete(db, statement):
    """The trigger refuses (IntegrityError); as the app's role, PostgreSQL refuses before
    the trigger is reached (permission denied, tests/hellowork/test_db_roles.py)."""
    append(1, sealed=False)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


def test_the_orm_cannot_change_or_delete_an_event_either(db):
    (event,) = append(1, sealed=False)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail={"n": 99})
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_flush_is_the_sanctioned_reset():
    append(2, sealed=False)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_audit_verify_passes_on_an_intact_chain(capsys):
    append(2)
    call_command("audit_verify")
    assert "2 events verified" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_audit_verify_finds_a_row_changed_behind_the_applications_back():
    events = append(3)
    # The owner's edit: with the trigger out of the way, change the middle event.
    with db_roles.as_owner(), transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE hellowork_auditevent DISABLE TRIGGER USER")
            cursor.execute(
                "UPDATE hellowork_auditevent SET detail = '{\"n\": 42}' WHERE id = %s",
                [events[1].pk],
            )
            cursor.execute("ALTER TABLE hellowork_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER hellowork_auditevent_no_update")
            cursor.execute(
                "UPDATE hellowork_auditevent SET detail = '{\"n\": 42}' WHERE id = %s",
                [events[1].pk],
            )
            cursor.execute(SQLITE_SEAL_TRIGGERS[0])
    checked, broken = audit.verify()
    assert checked == 1 and broken.event_id == events[1].pk
    with pytest.raises(CommandError, match=f"event {events[1].pk}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_an_append_is_one_insert_of_the_stored_values(django_assert_num_queries):
    """The INSERT is compiled once and reused (issue 18); each value still goes through its
    field, so what comes back from the database is what was appended."""
    actor = User.objects.create_user(username="audit-actor", password="x" * 20, kind=UserKind.STAFF)
    audit.record_read("test.first", actor=None)
    with django_assert_num_queries(1):
        event = audit.record_read(
            "test.second", actor=actor, target=actor, detail={"名前": "髙橋", "n": 1}
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.at, stored.actor_id, stored.action) == (event.at, actor.pk, "test.second")
    assert (stored.target_type, stored.target_id) == ("hellowork.user", str(actor.pk))
    assert stored.detail == {"名前": "髙橋", "n": 1}
    assert stored.at.tzinfo is not None
    assert not event._state.adding
