"""The referral's life cycle in one place (DESIGN.md section 4): which action a letter in
which state may take and where it leads, what phase an employer's copy is in, who may
check someone's work, and when a new draft is a void-then-re-enter (rule 5).

The services enforce these; this module only says them. It reads the models and nothing
above them, so the services and the selectors both build on it.

    draft             ── confirm (in person, rule 3) ──────────►  issued
    draft             ── submit (rule 4) ──────────────────────►  pending_approval
    pending_approval  ── approve (rule 4) ─────────────────────►  issued
    pending_approval  ── reject ───────────────────────────────►  draft
    draft, pending_approval, issued (within the hold) ── void ─►  voided
    issued (after the hold) ── retract, retract_approve (rule 8) ►  retracted
"""

import datetime
import enum
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hellowork.models import JobPosting, StaffMember
from referrals.models import Consultation, Disclosure, ReferralLetter, ReferralStatus

DRAFT = ReferralStatus.DRAFT
PENDING = ReferralStatus.PENDING_APPROVAL
ISSUED = ReferralStatus.ISSUED
VOIDED = ReferralStatus.VOIDED
RETRACTED = ReferralStatus.RETRACTED

# A letter that still counts: one per seeker and posting (rule 1), and what a void stops.
ACTIVE_STATUSES = (DRAFT, PENDING, ISSUED)


class Action(enum.StrEnum):
    """What a service does to a letter (the service's name in brackets)."""

    SHOW = "show"  # on the seeker-facing display (display_show)
    RECORD_CALL = "record_call"  # the call to the employer (employer_call_record)
    CONFIRM = "confirm"  # rule 3 (referral_confirm_in_session)
    SUBMIT = "submit"  # rule 4 (referral_submit)
    APPROVE = "approve"  # rule 4, the statement and the approval (referral_approve)
    REJECT = "reject"  # back to the clerk (referral_reject)
    VOID = "void"  # a draft cancelled or a letter voided within the hold (referral_void)
    RETRACT = "retract"  # rule 8, the request (referral_retract)
    RETRACT_APPROVE = "retract_approve"  # rule 8, the second person (retraction_approve)


@dataclass(frozen=True)
class Transition:
    """`allowed`: the states the action may start from. `to`: the state it leaves the
    letter in, None when the status stays. `sets` and `clears`: the fields the service
    fills or empties with it (what the model's check constraints tie to the status).
    `refusal`: what a letter in another state answers (%(status)s is its state's label)."""

    allowed: tuple[ReferralStatus, ...]
    to: ReferralStatus | None
    refusal: Promise
    sets: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()


TRANSITIONS: dict[Action, Transition] = {
    Action.SHOW: Transition(
        (DRAFT,), None, _("この紹介状は「%(status)s」のため、求職者用画面に表示できません。")
    ),
    Action.RECORD_CALL: Transition(
        (DRAFT, PENDING),
        None,
        _("この紹介状は「%(status)s」のため、求人者への連絡を記録できません。"),
    ),
    Action.CONFIRM: Transition(
        (DRAFT,),
        ISSUED,
        _("この紹介状は「%(status)s」のため確認できません。"),
        sets=("code", "issued_at"),
    ),
    Action.SUBMIT: Transition(
        (DRAFT,),
        PENDING,
        _("この紹介状は「%(status)s」のため承認に回せません。"),
        sets=("submitted_by", "submitted_at"),
    ),
    Action.APPROVE: Transition(
        (PENDING,),
        ISSUED,
        _("この紹介状は「%(status)s」のため承認できません。"),
        sets=("code", "issued_at"),
    ),
    Action.REJECT: Transition(
        (PENDING,),
        DRAFT,
        _("この紹介状は「%(status)s」のため差し戻せません。"),
        sets=("rejected_by", "rejected_at"),
        clears=("submitted_by", "submitted_at"),
    ),
    Action.VOID: Transition(
        ACTIVE_STATUSES,
        VOIDED,
        _("この紹介状は「%(status)s」のため取り消せません。"),
        sets=("voided_by", "voided_at"),
    ),
    Action.RETRACT: Transition(
        (ISSUED,), None, _("この紹介状は「%(status)s」のため撤回できません。")
    ),
    Action.RETRACT_APPROVE: Transition(
        (ISSUED,), RETRACTED, _("この紹介状は「%(status)s」のため撤回できません。")
    ),
}


def require_transition(referral: ReferralLetter, action: Action) -> ReferralStatus:
    """The state `action` leaves this letter in (its current one when the action keeps
    it). Refused (ValidationError, the table's message naming the current state): a
    letter in a state the action may not start from."""
    transition = TRANSITIONS[action]
    if referral.status not in transition.allowed:
        raise ValidationError(str(transition.refusal) % {"status": referral.get_status_display()})
    return transition.to or ReferralStatus(referral.status)


def status_steps() -> set[tuple[str, str]]:
    """Every (from, to) status change the table allows, for the state machine to check
    what it observes against."""
    return {(str(start), str(t.to)) for t in TRANSITIONS.values() if t.to for start in t.allowed}


# -- what phase an employer's copy is in (rules 7, 8 and 11) ------------------------------


class Phase(enum.StrEnum):
    """Where a Disclosure stands, by the design's words. Only VISIBLE is shown."""

    IN_HOLD = "in_hold"  # issued, before visible_at: voiding it now recalls it unseen
    VISIBLE = "visible"  # the establishment sees the applicant
    QUARANTINED = "quarantined"  # hidden on the establishment's own report (rule 11)
    RECALLED = "recalled"  # voided within the hold: never seen
    RETRACTED = "retracted"  # taken back after exposure, personal data erased (rule 8)
    ERASED = "erased"  # personal data erased at the end of the retention period

    @property
    def was_shown(self) -> bool:
        """The establishment could see the applicant at some time (past the hold and not
        recalled): it is the timeline's "made visible" and what makes a void a retraction."""
        return self not in (Phase.IN_HOLD, Phase.RECALLED)


# The fields `disclosure_phase` reads: load them all (`.only`) to read a phase in one query.
PHASE_FIELDS = ("visible_at", "recalled_at", "retracted_at", "erased_at", "quarantined_at")


def disclosure_phase(disclosure: Disclosure, now: datetime.datetime) -> Phase:
    """The phase of `disclosure` at `now`; the first that applies of: retracted, recalled,
    in the hold, erased, quarantined, else visible. It reads the disclosure's own fields
    only: its letter is issued in every phase but those two, since every way out of
    "issued" recalls (a void in the hold) or retracts the disclosure in the same
    transaction as the status change."""
    if disclosure.retracted_at is not None:
        return Phase.RETRACTED
    if disclosure.recalled_at is not None:
        return Phase.RECALLED
    if disclosure.visible_at > now:
        return Phase.IN_HOLD
    if disclosure.erased_at is not None:
        return Phase.ERASED
    if disclosure.quarantined_at is not None:
        return Phase.QUARANTINED
    return Phase.VISIBLE


def visible_q(now: datetime.datetime, prefix: str = "") -> Q:
    """The queryset form of `disclosure_phase(...) is Phase.VISIBLE`, for Disclosure rows,
    or through a relation with `prefix` (e.g. "disclosure__"): conditions on the
    disclosure's own row only, like the phase. Rule 13's exclusion is not a phase:
    `selectors.visible_now` adds it."""
    return Q(
        **{
            f"{prefix}visible_at__lte": now,
            f"{prefix}recalled_at__isnull": True,
            f"{prefix}retracted_at__isnull": True,
            f"{prefix}quarantined_at__isnull": True,
            f"{prefix}erased_at__isnull": True,
        }
    )


# -- the checker is not the maker (rules 4, 8, 11 and 12) --------------------------------


class NotChecker(enum.Enum):
    NOT_SUPERVISOR = "not_supervisor"
    OWN_WORK = "own_work"


def why_not_checker(
    staff: StaffMember, makers: Callable[[], Collection[int | None]]
) -> NotChecker | None:
    """Why `staff` may not check someone's work, or None when they may: only a supervisor
    or manager checks (NOT_SUPERVISOR), and never work they had a hand in (OWN_WORK: their
    id among `makers()`, called only for a supervisor or manager since it may query). Each
    caller says who the makers are and words the refusal for its screen; the office is
    checked before, by the service."""
    if not staff.can_approve:
        return NotChecker.NOT_SUPERVISOR
    if staff.pk in makers():
        return NotChecker.OWN_WORK
    return None


# -- rule 5: void, then re-enter ---------------------------------------------------------

RETRACT_REORDER_WINDOW = datetime.timedelta(minutes=30)


def void_then_reenter(
    consultation: Consultation, posting: JobPosting, now: datetime.datetime
) -> ReferralLetter | None:
    """Rule 5: the letter of this seeker at this office voided within the last
    RETRACT_REORDER_WINDOW for another establishment than `posting`'s, latest first, or
    None. A draft with one goes to approval whatever the mode, and its approval screen
    names both establishments once the supervisor has stated."""
    return (
        ReferralLetter.objects.filter(
            consultation__seeker=consultation.seeker,
            consultation__office_id=consultation.office_id,
            voided_at__gte=now - RETRACT_REORDER_WINDOW,
        )
        .exclude(posting__establishment=posting.establishment)
        .order_by("-voided_at")
        .first()
    )
