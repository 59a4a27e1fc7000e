"""Rule 13 on the referral side: a protected seeker's excluded establishments never get a
referral, and registry changes under a live referral are flagged.

hellowork must not import referrals: its services send signals (hellowork.signals) inside
the transaction of the change, and the receivers here raise the alerts in that same
transaction (connected in ReferralsConfig.ready)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hellowork import selectors as registry_selectors
from hellowork.models import (
    Establishment,
    JobPosting,
    JobSeeker,
    SeekerProtection,
    StaffMember,
    User,
)
from referrals.models import AlertKind, Disclosure, ReferralLetter, ReferralStatus
from referrals.services._shared import _raise_alert

# The registry fields whose change undercuts a confirmation made or about to be made.
WATCHED_FIELDS: dict[type[Model], frozenset[str]] = {
    JobPosting: frozenset({"establishment", "status"}),
    JobSeeker: frozenset({"name", "kana", "birth_date", "retired_at"}),
    Establishment: frozenset({"has_mypage", "retired_at"}),
}


def excluded_refusal() -> ValidationError:
    """Rule 13's refusal, the same for every reason and every caller.

    Refuses:
        non-field:
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
    """
    # Says no more than needed: the clerk at the counter learns that this establishment is
    # out, not why.
    return ValidationError(
        _(
            "この求職者は保護の対象で、この事業所には紹介できません。"
            "誰が操作しても同じです。詳しくは統括官に確認してください。"
        ),
        code="protected",
    )


def require_not_excluded(*, seeker_id: int, establishment_id: int) -> None:
    """Rule 13: no referral of a protected seeker to an excluded establishment, whoever
    asks (no role, setting or super-user passes).

    Refuses:
        non-field:
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
    """
    if registry_selectors.is_excluded(seeker_id=seeker_id, establishment_id=establishment_id):
        raise excluded_refusal()


def rule13_refusal(referral: ReferralLetter) -> ValidationError | None:
    """Why this referral cannot go on towards its establishment now (rule 13), or None:
    the seeker is protected against it, or its posting was re-filed under another
    establishment since the draft (the clerk drafts again).

    Refuses:
        non-field:
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
    """
    posting = referral.posting
    if posting.establishment_id != referral.drafted_establishment_id:
        return ValidationError(
            _(
                "紹介状を作成した後で、この求人の事業所が変更されました。"
                "この紹介状を取り消し、求職者に確かめてから作成し直してください。"
            ),
            code="establishment_changed",
        )
    if registry_selectors.is_excluded(
        seeker_id=referral.consultation.seeker_id, establishment_id=posting.establishment_id
    ):
        return excluded_refusal()
    return None


def require_rule13(referral: ReferralLetter) -> None:
    """Raises `rule13_refusal(referral)` when there is one (rule 13).

    Refuses:
        non-field:
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
    """
    refusal = rule13_refusal(referral)
    if refusal is not None:
        raise refusal


def _live(now: Any) -> Q:
    """Referrals a registry change can still undercut: waiting for approval, or issued with
    a disclosure in its hold (not yet visible, not recalled)."""
    return Q(status=ReferralStatus.PENDING_APPROVAL) | Q(
        status=ReferralStatus.ISSUED,
        disclosure__visible_at__gt=now,
        disclosure__recalled_at__isnull=True,
    )


def on_registry_changed(
    sender: type[Model], instance: Any, fields: list[str], actor: User | None, **kwargs: Any
) -> None:
    """A warning alert for each live referral the change touches, at the referral's
    office, naming the record and the fields changed (not their values).

    Refuses: nothing.
    """
    changed = sorted(set(fields) & WATCHED_FIELDS.get(sender, frozenset()))
    if not changed:
        return
    scope: Q = {
        JobPosting: Q(posting_id=instance.pk),
        JobSeeker: Q(consultation__seeker_id=instance.pk),
        Establishment: Q(posting__establishment_id=instance.pk)
        | Q(drafted_establishment_id=instance.pk),
    }[sender]
    referrals = (
        ReferralLetter.objects.filter(scope)
        .filter(_live(timezone.now()))
        .select_related("consultation__office")
        .distinct()
        .order_by("pk")
    )
    for referral in referrals:
        _raise_alert(
            kind=AlertKind.REGISTRY_CHANGED,
            office=referral.consultation.office,
            actor=actor,
            referral=referral,
            detail={
                "record": sender._meta.model_name,
                "record_id": instance.pk,
                "fields": changed,
            },
        )


def on_seeker_protected(
    sender: type,
    protection: SeekerProtection,
    establishment_ids: list[int],
    staff: StaffMember,
    **kwargs: Any,
) -> None:
    """A critical alert for each disclosure of the seeker that an excluded establishment
    holds or will see (not recalled, retracted or erased): someone decides at once whether
    to recall or retract it. It closes itself when the letter is voided or retracted.

    Refuses: nothing.
    """
    disclosures = (
        Disclosure.objects.filter(
            referral__consultation__seeker_id=protection.seeker_id,
            establishment_id__in=establishment_ids,
            recalled_at__isnull=True,
            retracted_at__isnull=True,
            erased_at__isnull=True,
        )
        .select_related("referral__consultation__office")
        .order_by("pk")
    )
    for disclosure in disclosures:
        _raise_alert(
            kind=AlertKind.PROTECTED_DISCLOSURE,
            office=disclosure.referral.consultation.office,
            actor=staff.user,
            referral=disclosure.referral,
            detail={
                "protection_id": protection.pk,
                "disclosure_id": disclosure.pk,
                "establishment_id": disclosure.establishment_id,
            },
        )
