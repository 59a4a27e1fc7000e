"""The session store: Django's database sessions, saved in one statement.

Django wraps every session save in a transaction (BEGIN, the write, COMMIT), which the
insert of a new session needs (a key already taken must roll back and be retried) but an
update of an existing row does not: one UPDATE is atomic by itself. Counter pages save the
session for the idle stamp and every flash message (they live in the session, not in a
cookie), so the update path is one round trip instead of three (issue 18).
"""

from typing import Any

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        if self.session_key is None or must_create:
            return super().save(must_create=must_create)
        data = self._get_session()  # type: ignore[attr-defined]  # SessionBase's, unstubbed
        obj: Any = self.create_model_instance(data)
        updated = self.model.objects.filter(session_key=obj.session_key).update(
            session_data=obj.session_data, expire_date=obj.expire_date
        )
        if not updated:  # deleted meanwhile (logged out elsewhere): as Django's store does
            raise UpdateError
