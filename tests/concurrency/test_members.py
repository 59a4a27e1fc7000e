"""Two establishments adding the same new address at the same moment (PostgreSQL: SQLite
serialises writers). Found by an outside test: the later one got a 500 (4 of 4 tries),
the unique index's IntegrityError escaping the service."""

import threading
import time

import pytest
from django.db import connection

from hellowork import audit
from hellowork.models import EmployerInvitation, User
from tests.conftest import client_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_establishments_adding_the_same_new_address_get_no_error(dave, erin, monkeypatch):
    clients = [client_for(dave.user), client_for(erin.user)]
    for client in clients:
        client.raise_request_exception = False
    record = audit.record

    def record_slowly(*args, **kwargs):
        time.sleep(0.3)  # both have looked the address up before either commits
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", record_slowly)
    barrier = threading.Barrier(2)
    statuses = [0, 0]

    def add(i):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            response = clients[i].post(
                "/mypage/members/", {"name": "田中 京子", "email": "kyoko@example.jp"}
            )
            statuses[i] = response.status_code
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]  # the same answer any address gets
    assert User.objects.filter(email="kyoko@example.jp").count() == 1
    invitations = EmployerInvitation.objects.filter(email="kyoko@example.jp")
    assert sorted(i.member is None for i in invitations) == [False, True]
    assert {i.establishment_id for i in invitations} == {
        dave.establishment_id,
        erin.establishment_id,
    }
