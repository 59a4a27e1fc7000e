"""The login backend: Django's own, with the person behind the login read in the same query.

Every counter and my page request needs the user and then its staff member (with the
office) or its employer member (with the establishment and its office): `get_user` joins
them, one query instead of two on every request (issue 18). Authentication itself is
Django's ModelBackend unchanged.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from hellowork.models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = (
            User._default_manager.select_related(
                "staff_member__office", "employer_member__establishment__office"
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
