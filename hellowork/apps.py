from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        from hellowork.audit import sqlite_erasable

        connection.connection.create_function("hellowork_audit_erasable", 0, sqlite_erasable)


class HelloworkConfig(AppConfig):
    name = "hellowork"
    verbose_name = _("登録情報")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from hellowork import db_roles, signals

        connection_created.connect(register_sqlite_functions, dispatch_uid="hellowork_sqlite")
        post_migrate.connect(db_roles.grant_after_migrate, dispatch_uid="hellowork_grants")
        user_locked_out.connect(signals.record_locked_out, dispatch_uid="audit_locked_out")
