"""Reads of the registry that other apps depend on."""

from django.db.models import QuerySet

from hellowork.models import EmployerMember, Establishment, JobSeeker, SeekerProtection


def active_members_of(*, establishment: Establishment) -> QuerySet[EmployerMember]:
    """The establishment's logins that can sign in: the primary member first."""
    return (
        EmployerMember.objects.filter(establishment=establishment, user__is_active=True)
        .select_related("user")
        .order_by("-is_primary", "user__name", "pk")
    )


def active_protection(*, seeker: JobSeeker | int) -> SeekerProtection | None:
    """The seeker's protection in force (rule 13), with its excluded establishments, or
    None."""
    seeker_id = seeker if isinstance(seeker, int) else seeker.pk
    return (
        SeekerProtection.objects.filter(seeker_id=seeker_id, lifted_at__isnull=True)
        .prefetch_related("excluded")
        .first()
    )


def lifted_protections_of(*, seeker: JobSeeker) -> QuerySet[SeekerProtection]:
    """The seeker's protections lifted in the past (rule 13), the latest first, with who set,
    asked to lift and lifted each."""
    return (
        SeekerProtection.objects.filter(seeker=seeker, lifted_at__isnull=False)
        .select_related("set_by__user", "lift_requested_by__user", "lifted_by__user")
        .order_by("-lifted_at")
    )


def is_excluded(*, seeker_id: int, establishment_id: int) -> bool:
    """Whether an active protection of the seeker excludes the establishment (rule 13)."""
    return SeekerProtection.objects.filter(
        seeker_id=seeker_id, lifted_at__isnull=True, excluded__id=establishment_id
    ).exists()


def protected_seeker_ids(*, seeker_ids: list[int]) -> set[int]:
    """Those of the seekers who are protected now (one query, for lists)."""
    return set(
        SeekerProtection.objects.filter(
            seeker_id__in=seeker_ids, lifted_at__isnull=True
        ).values_list("seeker_id", flat=True)
    )
