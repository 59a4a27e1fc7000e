"""Reads of the registry that other apps depend on."""

from django.db.models import QuerySet

from hellowork.models import EmployerMember, Establishment


def active_members_of(*, establishment: Establishment) -> QuerySet[EmployerMember]:
    """The establishment's logins that can sign in: the primary member first."""
    return (
        EmployerMember.objects.filter(establishment=establishment, user__is_active=True)
        .select_related("user")
        .order_by("-is_primary", "user__name", "pk")
    )
