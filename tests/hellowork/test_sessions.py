"""Issue 18: a session's update is one UPDATE, without a transaction of its own; creating
one and a session deleted meanwhile behave as in Django's database store."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hellowork.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_update_is_one_statement_and_keeps_the_data():
    store = SessionStore()
    store["hellowork_last_seen"] = 1
    store.save(must_create=True)
    store["hellowork_last_seen"] = 2
    with CaptureQueriesContext(connection) as captured:
        store.save()
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["UPDATE"]
    assert SessionStore(store.session_key)["hellowork_last_seen"] == 2


def test_a_session_deleted_meanwhile_is_not_written_back():
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).delete()  # logged out elsewhere
    store["x"] = 2
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.filter(session_key=store.session_key).exists()
