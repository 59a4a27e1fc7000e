from typing import Any

from django.core.management.commands.migrate import Command as MigrateCommand

from hellowork.db_roles import as_owner


class Command(MigrateCommand):
    """Django's migrate, run as the tables' owner when DATABASE_OWNER_URL is set (the app's
    role owns nothing: hellowork.db_roles); the app role's grants follow on post_migrate."""

    def handle(self, *args: Any, **options: Any) -> None:
        with as_owner(options.get("database") or "default"):
            super().handle(*args, **options)
