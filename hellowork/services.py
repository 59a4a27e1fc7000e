"""Every write of the registry that the applications make (DESIGN.md section 5).

Keyword-only arguments, one transaction, a lock on what is counted or changed, the
caller's permission checked here, ValidationError or PermissionDenied with a message the
user understands, and an AuditEvent (ids, never names or addresses).
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from hellowork import audit, signals
from hellowork import registry_import as registry_import_module
from hellowork.identifiers import normalize
from hellowork.models import (
    AuditEvent,
    EmployerInvitation,
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    OutboxMail,
    SeekerProtection,
    StaffMember,
    StaffRole,
    User,
)

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 150  # the username column holds the address


def _locked_establishment_of_primary(by: EmployerMember) -> Establishment:
    """The establishment of `by`, locked, if `by` is its active primary member."""
    establishment = Establishment.objects.select_for_update().get(pk=by.establishment_id)
    fresh = EmployerMember.objects.select_related("user").get(pk=by.pk)
    user = fresh.user
    if not user.is_active or user.kind != User.Kind.EMPLOYER or not fresh.is_primary:
        raise PermissionDenied(_("利用者の追加と削除は、事業所の管理者だけが行えます。"))
    return establishment


def active_member_count(*, establishment: Establishment) -> int:
    """How many of the establishment's members can log in (an open invitation is not one).

    Refuses: nothing.
    """
    return EmployerMember.objects.filter(establishment=establishment, user__is_active=True).count()


def _password_link(user: User) -> str:
    """A link to set a password (Django's password-reset token: single use, void once the
    password changes, expires after PASSWORD_RESET_TIMEOUT)."""
    return settings.SITE_URL + reverse(
        "mypage_password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


ADDED_ELSEWHERE = "elsewhere"  # an invitation's outcome: the address is registered elsewhere


@transaction.atomic
def employer_member_add(*, by: EmployerMember, email: str, name: str) -> EmployerInvitation:
    """The primary member invites a colleague: at most Establishment.MAX_MEMBERS active
    logins and open invitations, counted under a lock on the establishment. The answer is
    the same for every well-formed address that is not already one of this establishment's
    logins (those the page lists anyway), so the form tells nobody which addresses are
    registered elsewhere (docs/DECISIONS.md, "Adding a member never tells whether an
    address is registered"):

    - a new address gets a login without a usable password and, from the worker, a link
      to set one;
    - a colleague this establishment removed earlier comes back (the same login, so the
      audit trail stays one) with a new link;
    - an address registered anywhere else (staff, another establishment's member) gets no
      login here, only a mail saying someone tried to add it.

    Each makes an open invitation that the members page shows alike until the colleague
    sets a password or the primary member cancels it. Mail goes through the outbox.

    Refuses:
        non-field:
            - "An establishment can have up to %(max)d users. To add another, first remove a user
              who no longer needs access."
        `email`:
            - "Enter an email address of %(max)d characters or fewer."
            - "Enter the email address in the form name@example.jp."
            - "This email address is already a user of this establishment."
            - "This email address cannot be used as a sign-in ID. Enter a different address."
        `name`:
            - "Enter the name."
            - "Enter a name of %(max)d characters or fewer."
        PermissionDenied:
            - "Only the establishment’s administrator can add and remove users."
    """
    establishment = _locked_establishment_of_primary(by)
    email = normalize(email or "").strip().lower()
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("メールアドレスを「name@example.jp」の形で入力してください。")
    if len(email) > EMAIL_MAX_LENGTH:
        errors["email"] = _("メールアドレスは%(max)d文字以内で入力してください。") % {
            "max": EMAIL_MAX_LENGTH
        }
    if not name:
        errors["name"] = _("氏名を入力してください。")
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = _("氏名は%(max)d文字以内で入力してください。") % {"max": NAME_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    if seats_taken(establishment=establishment) >= Establishment.MAX_MEMBERS:
        raise ValidationError(
            _(
                "登録できる利用者は1事業所%(max)d人までです。追加するには、先に使わなくなった利用者を削除してください。"
            )
            % {"max": Establishment.MAX_MEMBERS}
        )
    if (
        EmployerMember.objects.filter(
            establishment=establishment, user__is_active=True, user__email__iexact=email
        ).exists()
        or open_invitations(establishment=establishment).filter(email__iexact=email).exists()
    ):
        # Listed on this establishment's own page already: saying so reveals nothing.
        raise ValidationError(
            {"email": _("このメールアドレスは、この事業所の利用者として既に登録されています。")}
        )

    taken = list(
        User.objects.select_for_update().filter(Q(username__iexact=email) | Q(email__iexact=email))
    )
    member: EmployerMember | None = None
    reactivated = False
    if not taken:
        member = _new_login(email=email, name=name, establishment=establishment)
    elif len(taken) == 1 and not taken[0].is_active:
        member = EmployerMember.objects.filter(user=taken[0], establishment=establishment).first()
        if member is not None:
            user = taken[0]
            user.is_active = True
            user.name = name
            user.set_unusable_password()
            user.save(update_fields=["is_active", "name", "password"])
            reactivated = True
    invitation = EmployerInvitation.objects.create(
        establishment=establishment, email=email, name=name, invited_by=by.user, member=member
    )
    if member is None:
        OutboxMail.objects.create(
            kind=OutboxMail.Kind.MEMBER_ADD_REFUSED, to=email, establishment=establishment
        )
    else:
        OutboxMail.objects.create(
            kind=OutboxMail.Kind.MEMBER_INVITATION,
            to=email,
            user=member.user,
            establishment=establishment,
        )
    audit.record(
        "employer_member.added",
        actor=by.user,
        target=invitation,
        detail={
            "establishment_id": establishment.pk,
            "user_id": member.user_id if member else None,
            "reactivated": reactivated,
            **({"outcome": ADDED_ELSEWHERE} if member is None else {}),
        },
    )
    return invitation


def _new_login(*, email: str, name: str, establishment: Establishment) -> EmployerMember | None:
    """A login for a new address, or None when another establishment added the same
    address at the same moment (the unique index: an IntegrityError on PostgreSQL, where
    both looked it up before either committed). The later one then gets the answer any
    registered address gets, never a 500."""
    user = User(username=email, email=email, name=name, kind=User.Kind.EMPLOYER)
    user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError:
        # Taken addresses were looked up under a lock before: this is the address's shape.
        raise ValidationError(
            {
                "email": _(
                    "このメールアドレスはログインIDに使えません。別のアドレスを入力してください。"
                )
            }
        ) from None
    try:
        with transaction.atomic():  # a savepoint: the invitation goes on without the login
            user.save()
            return EmployerMember.objects.create(user=user, establishment=establishment)
    except IntegrityError:
        return None


def open_invitations(*, establishment: Establishment) -> QuerySet[EmployerInvitation]:
    """Invitations still waiting: not cancelled, and the colleague has not set a password
    (an invitation to an address registered elsewhere waits until it is cancelled).

    Refuses: nothing.
    """
    return (
        EmployerInvitation.objects.filter(establishment=establishment, cancelled_at__isnull=True)
        .filter(
            Q(member__isnull=True)
            | Q(
                member__user__is_active=True,
                member__user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
            )
        )
        .select_related("member")
        .order_by("created_at", "pk")
    )


def seats_taken(*, establishment: Establishment) -> int:
    """Active logins, and open invitations that made none: each takes a seat.

    Refuses: nothing.
    """
    return (
        active_member_count(establishment=establishment)
        + open_invitations(establishment=establishment).filter(member__isnull=True).count()
    )


@transaction.atomic
def employer_invitation_cancel(
    *, invitation: EmployerInvitation, by: EmployerMember
) -> EmployerInvitation:
    """The primary member takes back an invitation nobody has used: its login, if it made
    one, is deactivated as a removal would; the seat is free again.

    Refuses:
        non-field:
            - "This invitation has already been used or cancelled."
        PermissionDenied:
            - "You cannot remove a user of another establishment."
            - "Only the establishment’s administrator can add and remove users."
    """
    establishment = _locked_establishment_of_primary(by)
    invitation = EmployerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.establishment_id != establishment.pk:
        raise PermissionDenied(_("別の事業所の利用者は削除できません。"))
    if not open_invitations(establishment=establishment).filter(pk=invitation.pk).exists():
        raise ValidationError(_("この招待は既に使われたか、取り消されています。"))
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    if invitation.member_id is not None:
        User.objects.filter(employer_member__pk=invitation.member_id).update(is_active=False)
    audit.record(
        "employer_member.invitation_cancelled",
        actor=by.user,
        target=invitation,
        detail={"establishment_id": establishment.pk},
    )
    return invitation


@transaction.atomic
def employer_member_remove(*, member: EmployerMember, by: EmployerMember) -> EmployerMember:
    """The primary member removes a colleague's login: the user is deactivated (never
    deleted: the audit trail points at it), which ends its sessions and frees the slot.
    The primary member cannot remove themselves.

    Refuses:
        non-field:
            - "As the administrator, you cannot remove yourself."
            - "This user has already been removed."
        PermissionDenied:
            - "You cannot remove a user of another establishment."
            - "Only the establishment’s administrator can add and remove users."
    """
    establishment = _locked_establishment_of_primary(by)
    member = EmployerMember.objects.select_related("user").get(pk=member.pk)
    if member.establishment_id != establishment.pk:
        raise PermissionDenied(_("別の事業所の利用者は削除できません。"))
    if member.pk == by.pk or member.is_primary:
        raise ValidationError(_("管理者ご自身は削除できません。"))
    user = User.objects.select_for_update().get(pk=member.user_id)
    if not user.is_active:
        raise ValidationError(_("この利用者は既に削除されています。"))
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(
        "employer_member.removed",
        actor=by.user,
        target=member,
        detail={"establishment_id": establishment.pk, "user_id": user.pk},
    )
    return member


@transaction.atomic
def employer_password_set(*, user: User, password: str) -> User:
    """A member sets their password from the link in the invitation. The password has
    been validated by the form (AUTH_PASSWORD_VALIDATORS); the link's token by the view.

    Refuses:
        PermissionDenied:
            - "This link cannot be used."
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if (
        not user.is_active
        or user.kind != User.Kind.EMPLOYER
        or not EmployerMember.objects.filter(user=user).exists()
    ):
        raise PermissionDenied(_("このリンクは使えません。"))
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record("employer_member.password_set", actor=user, target=user)
    return user


# A forgotten password: at most one link per login in this many minutes, so that the form
# cannot be used to flood someone's mailbox.
PASSWORD_RESET_INTERVAL_MINUTES = 10


def employer_password_reset_request(*, email: str) -> None:
    """A member who forgot their password asks for a link to set a new one. The request
    only writes an outbox row, for every address alike, so that its answer and its time
    tell nobody which addresses are registered and a mail server down changes nothing;
    the worker decides (`_deliver_password_reset`).

    Refuses: nothing.
    """
    email = normalize(email or "").strip().lower()
    if email:
        OutboxMail.objects.create(kind=OutboxMail.Kind.PASSWORD_RESET, to=email)


def _deliver_password_reset(mail: OutboxMail) -> bool:
    """A link goes only to the address of an active my-page login, at most once per
    PASSWORD_RESET_INTERVAL_MINUTES; for any other address nothing is sent."""
    user = (
        User.objects.select_for_update()
        .filter(
            email__iexact=mail.to,
            kind=User.Kind.EMPLOYER,
            is_active=True,
            employer_member__isnull=False,
        )
        .first()
    )
    if user is None:
        return False
    recently = timezone.now() - datetime.timedelta(minutes=PASSWORD_RESET_INTERVAL_MINUTES)
    if AuditEvent.objects.filter(
        action="employer_member.password_reset_sent",
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
        at__gte=recently,
    ).exists():
        return False
    _send(
        user.email,
        gettext_lazy("【ハローワーク】求人者マイページのパスワードの再設定"),
        "hellowork/email/password_reset.txt",
        {"link": _password_link(user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
    )
    audit.record("employer_member.password_reset_sent", actor=None, target=user)
    return True


def _deliver_invitation(mail: OutboxMail) -> bool:
    """The new member's link to set a password, if the login still waits for one (not
    removed, not set meanwhile). It names the establishment, not the person."""
    assert mail.user_id is not None
    user = User.objects.select_for_update().get(pk=mail.user_id)
    if not user.is_active or user.has_usable_password():
        return False
    assert mail.establishment is not None
    _send(
        user.email,
        gettext_lazy("【ハローワーク】求人者マイページの利用者として登録されました"),
        "hellowork/email/member_invitation.txt",
        {
            "link": _password_link(user),
            "establishment_name": mail.establishment.name,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
    )
    return True


def _deliver_add_refused(mail: OutboxMail) -> bool:
    assert mail.establishment is not None
    _send(
        mail.to,
        gettext_lazy("【ハローワーク】求人者マイページの利用者の追加について"),
        "hellowork/email/member_add_refused.txt",
        {"establishment_name": mail.establishment.name},
    )
    return True


def _send(to: str, subject: object, template: str, context: dict[str, object]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
        mailers.default.send_messages(
            [EmailMessage(str(subject), body, settings.DEFAULT_FROM_EMAIL, [to])]
        )


_DELIVER = {
    OutboxMail.Kind.PASSWORD_RESET: _deliver_password_reset,
    OutboxMail.Kind.MEMBER_INVITATION: _deliver_invitation,
    OutboxMail.Kind.MEMBER_ADD_REFUSED: _deliver_add_refused,
}


def outbox_send(*, limit: int = 100) -> int:
    """The worker's round (`notify_employers`): each due mail under a row lock that other
    workers skip, in its own transaction. Sent, it is stamped; not to be sent (an address
    that is no login), it is deleted, keeping no address typed by a stranger; refused by
    the mail server, it waits 2, 4, 8... minutes and is tried again, up to
    OutboxMail.MAX_ATTEMPTS times. Returns how many were handled.

    Refuses: nothing.
    """
    handled = 0
    while handled < limit:
        with transaction.atomic():
            mail = (
                OutboxMail.objects.filter(
                    sent_at__isnull=True,
                    next_attempt_at__lte=timezone.now(),
                    attempts__lt=OutboxMail.MAX_ATTEMPTS,
                )
                .order_by("next_attempt_at", "pk")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("establishment")
                .first()
            )
            if mail is None:
                break
            handled += 1
            try:
                with transaction.atomic():
                    sent = _DELIVER[OutboxMail.Kind(mail.kind)](mail)
            except Exception:
                mail.attempts += 1
                mail.next_attempt_at = timezone.now() + datetime.timedelta(minutes=2**mail.attempts)
                mail.save(update_fields=["attempts", "next_attempt_at"])
                logger.exception("outbox mail %s (%s) failed", mail.pk, mail.kind)
                continue
            if sent:
                mail.sent_at = timezone.now()
                mail.save(update_fields=["sent_at"])
            else:
                mail.delete()
    return handled


# -- registry records (rule 13) ----------------------------------------------------------

# The fields each update may change. Numbers are never changed: a record is matched on them.
POSTING_FIELDS = frozenset(
    {
        "establishment",
        "title",
        "status",
        "employment_type",
        "work_location",
        "wage_min",
        "wage_max",
        "description",
        "valid_until",
    }
)
SEEKER_FIELDS = frozenset({"name", "kana", "birth_date", "office", "phone", "email"})
ESTABLISHMENT_FIELDS = frozenset({"name", "kana", "office", "address", "access", "has_mypage"})
# An office's contact points (printed on the letter's back) and its setting for issuing
# without reaching the employer (issue 20).
OFFICE_FIELDS = frozenset({"name", "bureau", "address", "phone", "fax", "issues_without_call"})

# What the admin (and any other caller of registry_change) may change on each model. The
# natural keys (office code, numbers, a login's username and kind, whose seat a staff or
# employer member is) are set once, at creation: a record is matched on them, and a seat
# given to another person is a new seat. Retiring has its own services (registry_retire).
CHANGE_FIELDS: dict[type[Model], frozenset[str]] = {
    Office: OFFICE_FIELDS,
    User: frozenset({"name", "email", "is_active", "is_staff", "is_superuser"}),
    StaffMember: frozenset({"office", "role"}),
    EmployerMember: frozenset({"is_primary"}),
    Establishment: ESTABLISHMENT_FIELDS,
    JobPosting: POSTING_FIELDS,
    JobSeeker: SEEKER_FIELDS,
}
# What a new record may be given (`password` a hash or an unusable password, already made
# by Django's forms: the plain password never reaches a service).
CREATE_FIELDS: dict[type[Model], frozenset[str]] = {
    Office: OFFICE_FIELDS | {"code"},
    User: frozenset(
        {"username", "name", "email", "kind", "password", "is_active", "is_staff", "is_superuser"}
    ),
    StaffMember: frozenset({"user", "office", "role"}),
    EmployerMember: frozenset({"user", "establishment", "is_primary"}),
    Establishment: ESTABLISHMENT_FIELDS | {"number"},
    JobPosting: POSTING_FIELDS | {"number"},
    JobSeeker: SEEKER_FIELDS | {"number"},
}


def _require_registry_perm(by: User, model: type[Model], action: str) -> None:
    """Django's model permission (`hellowork.change_jobseeker`...; a super-user passes)."""
    if not by.is_active or not by.has_perm(
        f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    ):
        raise PermissionDenied(_("登録情報を変更する権限がありません。"))


def _refuse_unknown(values: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationError(
            _("変更できない項目です: %(fields)s") % {"fields": ", ".join(unknown)}
        )


def _registry_update[M: Model](
    model: type[M], pk: int, by: User, changes: dict[str, Any], allowed: frozenset[str]
) -> M:
    """Locks the record, applies the changes that differ, validates, saves only those
    fields, traces `registry.changed` (field names, never values) and tells the apps above
    (signals.registry_changed), all in the caller's transaction."""
    _require_registry_perm(by, model, "change")
    _refuse_unknown(changes, allowed)
    instance = model._default_manager.select_for_update().get(pk=pk)
    changed = []
    for name, value in changes.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            attname = f"{name}_id"
            current, new = getattr(instance, attname), getattr(value, "pk", value)
            if current != new:
                setattr(instance, attname, new)
                changed.append(name)
        elif getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if not changed:
        return instance
    update_fields = [model._meta.get_field(name).name for name in changed]
    if isinstance(instance, User) and "email" in changed and instance.kind == User.Kind.EMPLOYER:
        # An employer signs in with the address: the login follows it.
        instance.email = normalize(instance.email).strip().lower()
        instance.username = instance.email
        update_fields.append("username")
    instance.full_clean()
    instance.save(update_fields=update_fields)
    audit.record("registry.changed", actor=by, target=instance, detail={"fields": sorted(changed)})
    signals.registry_changed.send(sender=model, instance=instance, fields=sorted(changed), actor=by)
    return instance


@transaction.atomic
def registry_create[M: Model](
    *, model: type[M], by: User, values: dict[str, Any], allowed: frozenset[str] | None = None
) -> M:
    """A new record of the registry (`values` field name -> value; a relation as a model
    instance or its id), by a user Django's permissions allow to add that model; validated
    (full_clean: shapes, uniqueness, constraints, the model's own clean) and traced as
    `registry.created` with the names of the fields given, never their values.
    `allowed` is CREATE_FIELDS[model] unless the caller's app keeps its own list (the
    check sheet's items, in referrals).

    Refuses:
        non-field:
            - "This record cannot be created here."
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    _require_registry_perm(by, model, "add")
    fields = allowed if allowed is not None else CREATE_FIELDS.get(model)
    if fields is None:
        raise ValidationError(_("この登録情報はここでは作成できません。"))
    _refuse_unknown(values, fields)
    instance = model()
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            setattr(instance, f"{name}_id", getattr(value, "pk", value))
        else:
            setattr(instance, name, value)
    instance.full_clean()
    instance.save(force_insert=True)
    audit.record("registry.created", actor=by, target=instance, detail={"fields": sorted(values)})
    return instance


@transaction.atomic
def registry_change[M: Model](
    *, record: M, by: User, changes: dict[str, Any], allowed: frozenset[str] | None = None
) -> M:
    """Changes a record's fields (CHANGE_FIELDS of its model, or the caller's `allowed`):
    what `posting_update`, `seeker_update` and `establishment_update` do, for every model
    the admin edits. A change that touches a live referral (a posting's establishment or
    status, a seeker's name, kana, birth date or registration, an establishment's
    `has_mypage` or retirement) raises the warning alert through signals.registry_changed.

    Refuses:
        non-field:
            - "This record cannot be changed here."
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    model = type(record)
    fields = allowed if allowed is not None else CHANGE_FIELDS.get(model)
    if fields is None:
        raise ValidationError(_("この登録情報はここでは変更できません。"))
    return _registry_update(model, record.pk, by, changes, fields)


@transaction.atomic
def posting_update(*, posting: JobPosting, by: User, changes: dict[str, Any]) -> JobPosting:
    """Changes a posting's fields (POSTING_FIELDS; `establishment` an Establishment).
    Moving it to another establishment or changing its status while a referral of it waits
    for approval or its disclosure is held raises a warning alert (the referral side).

    Refuses:
        non-field:
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    return _registry_update(JobPosting, posting.pk, by, changes, POSTING_FIELDS)


@transaction.atomic
def seeker_update(*, seeker: JobSeeker, by: User, changes: dict[str, Any]) -> JobSeeker:
    """Changes a seeker's fields (SEEKER_FIELDS); the name, kana or birth date of a seeker
    with a referral waiting for approval or a disclosure held raises a warning alert.

    Refuses:
        non-field:
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    return _registry_update(JobSeeker, seeker.pk, by, changes, SEEKER_FIELDS)


@transaction.atomic
def establishment_update(
    *, establishment: Establishment, by: User, changes: dict[str, Any]
) -> Establishment:
    """Changes an establishment's fields (ESTABLISHMENT_FIELDS); `has_mypage` changed
    while a referral to it waits for approval or a disclosure is held raises a warning
    alert.

    Refuses:
        non-field:
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    return _registry_update(Establishment, establishment.pk, by, changes, ESTABLISHMENT_FIELDS)


# Nothing of the registry is deleted: letters, disclosures, consultations and the audit
# trail point at it. What replaces a delete, per model (registry_retire):
RETIRE_HOW = {
    JobSeeker: "retired_at",  # the registration ended
    Establishment: "retired_at",  # and its open postings are closed with it
    JobPosting: "status",  # closed (募集終了)
    User: "is_active",  # the login can no longer sign in; its sessions end
    StaffMember: "is_active",  # its user's login, as above
    EmployerMember: "is_active",  # its user's login, as above
}


@transaction.atomic
def registry_retire(*, record: Model, by: User) -> Model:
    """What replaces a delete (RETIRE_HOW), traced as `registry.changed` like any change:
    a seeker's registration ends (`retired_at`: the counter's search skips it, no
    consultation opens for it); an establishment is retired (`retired_at`) and each of its
    open postings closed (each traced); a posting is closed; a login (a user, or the user
    of a staff or employer member) is deactivated. Refuses what is retired already,
    an office (offices are never retired here), and a user deactivating their own login.
    Live referrals touched get their warning alert as for any change (rule 13).

    Refuses:
        non-field:
            - "This record cannot be retired."
            - "Already retired (registration ended)."
            - "You cannot deactivate your own login."
            - "This login is already deactivated."
            - "This posting is already closed."
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    model = type(record)
    how = RETIRE_HOW.get(model)
    if how is None:
        raise ValidationError(_("この登録情報は廃止できません。"))
    if how == "is_active":
        user = record if isinstance(record, User) else record.user  # type: ignore[attr-defined]
        if user.pk == by.pk:
            raise ValidationError(_("自分自身のログインは無効にできません。"))
        if not User.objects.filter(pk=user.pk, is_active=True).exists():
            raise ValidationError(_("このログインは既に無効です。"))
        return _registry_update(User, user.pk, by, {"is_active": False}, frozenset({"is_active"}))
    if how == "status":
        if JobPosting.objects.filter(pk=record.pk, status=JobPosting.Status.CLOSED).exists():
            raise ValidationError(_("この求人は既に募集終了です。"))
        return _registry_update(
            JobPosting, record.pk, by, {"status": JobPosting.Status.CLOSED}, frozenset({"status"})
        )
    if model._default_manager.filter(pk=record.pk, retired_at__isnull=False).exists():
        raise ValidationError(_("既に廃止（登録終了）されています。"))
    retired = _registry_update(
        model, record.pk, by, {"retired_at": timezone.now()}, frozenset({"retired_at"})
    )
    if model is Establishment:
        for posting in JobPosting.objects.filter(
            establishment_id=record.pk, status=JobPosting.Status.OPEN
        ).order_by("pk"):
            _registry_update(
                JobPosting,
                posting.pk,
                by,
                {"status": JobPosting.Status.CLOSED},
                frozenset({"status"}),
            )
    return retired


@transaction.atomic
def registry_restore(*, record: JobSeeker | Establishment, by: User) -> Model:
    """Undoes a retirement made by mistake: a seeker's registration or an establishment is
    current again (`retired_at` cleared, traced as `registry.changed`). An establishment's
    postings stay closed: each is reopened by changing its status, deliberately. (A posting
    or a login is restored by changing its status or `is_active` in its form.)

    Refuses:
        non-field:
            - "This record cannot be restored."
            - "This record is not retired."
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    model = type(record)
    if model not in (JobSeeker, Establishment):
        raise ValidationError(_("この登録情報は元に戻せません。"))
    if model._default_manager.filter(pk=record.pk, retired_at__isnull=True).exists():
        raise ValidationError(_("廃止（登録終了）されていません。"))
    return _registry_update(model, record.pk, by, {"retired_at": None}, frozenset({"retired_at"}))


@transaction.atomic
def user_password_set_by_admin(*, user: User, by: User, password: str | None) -> User:
    """The administrator sets a login's password (validated by Django's admin form), or
    makes it unusable (`password` None). Traced as `registry.changed` with the field name.

    Refuses:
        non-field:
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    return _registry_update(User, user.pk, by, {"password": user.password}, frozenset({"password"}))


@transaction.atomic
def staff_totp_enroll(*, user: User, device: TOTPDevice) -> TOTPDevice:
    """A staff member's authenticator app registered at first login (hellowork.otp), after
    the view checked one code from it: the device is confirmed and `auth.otp_enrolled`
    traced in one transaction. Refuses a device of another user, one already confirmed,
    and a user who already has a confirmed one (two tabs enrolling at once) or who is no
    active staff login.

    Refuses:
        non-field:
            - "An authenticator is already registered."
        PermissionDenied:
            - "Only staff can do this."
            - "This authenticator cannot be registered."
    """
    locked_user = User.objects.select_for_update().get(pk=user.pk)
    if not locked_user.is_active or locked_user.kind != User.Kind.STAFF:
        raise PermissionDenied(_("この操作は職員だけが行えます。"))
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.user_id != locked_user.pk:
        raise PermissionDenied(_("この認証アプリは登録できません。"))
    if device.confirmed or TOTPDevice.objects.filter(user=locked_user, confirmed=True).exists():
        raise ValidationError(_("認証アプリは既に登録されています。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("auth.otp_enrolled", actor=locked_user, detail={"device": device.name})
    return device


@transaction.atomic
def staff_totp_reset(*, user: User, by: User) -> int:
    """An administrator removes a staff member's authenticator app (lost or replaced
    phone): every TOTP device of the login is deleted and `auth.otp_reset` traced (the
    number of devices, never a key), so the next sign-in after the password asks them to
    register a new one; a session already verified with the old device is no longer
    verified (django-otp checks the device on every request). Returns how many devices
    went. Refuses someone without the right to change logins, your own login (a second
    administrator does it, so one person cannot swap their own second factor unseen), an
    employer login (their code comes by e-mail) and a login with no authenticator.

    Refuses:
        non-field:
            - "You cannot reset your own authenticator app. Ask another administrator."
            - "Only staff logins use an authenticator app."
            - "This login has no authenticator app registered."
        PermissionDenied:
            - "You are not allowed to change logins."
    """
    if not by.is_active or not by.has_perm("hellowork.change_user"):
        raise PermissionDenied(_("ログインを変更する権限がありません。"))
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.pk == by.pk:
        raise ValidationError(
            _("自分自身の認証アプリは取り消せません。別の管理者に依頼してください。")
        )
    if locked.kind != User.Kind.STAFF:
        raise ValidationError(_("認証アプリを使うのは職員のログインだけです。"))
    devices = TOTPDevice.objects.filter(user=locked)
    count: int = devices.count()
    if not count:
        raise ValidationError(_("このログインには認証アプリが登録されていません。"))
    devices.delete()
    audit.record("auth.otp_reset", actor=by, target=locked, detail={"devices": count})
    return count


# -- the admin's views of seekers (rule 10) ----------------------------------------------


def admin_seeker_view_record(*, by: User, seeker: JobSeeker) -> None:
    """Rule 10: an administrator saw this seeker's record in the admin.

    Refuses: nothing.
    """
    audit.record_read(
        "seeker.viewed",
        actor=by,
        target=seeker,
        detail={"seeker_id": seeker.pk, "screen": ADMIN_SCREEN},
    )


def admin_seeker_list_record(*, by: User, seeker_ids: list[int], by_kind: str = "") -> None:
    """Rule 10: the seekers an admin list (or a posted search, `by_kind` its kind of term:
    "number" or "name", never what was typed) showed, by id. Nobody shown, nothing written.

    Refuses: nothing.
    """
    if not seeker_ids:
        return
    detail: dict[str, Any] = {"screen": ADMIN_SCREEN, "seeker_ids": sorted(set(seeker_ids))}
    if by_kind:
        detail["by"] = by_kind
    audit.record_read("seeker.listed", actor=by, detail=detail)


ADMIN_SCREEN = "admin"


# -- protected seekers (rule 13) ---------------------------------------------------------

PROTECTION_REASON_MAX_LENGTH = 1000


def _require_protection_staff(staff: StaffMember, seeker: JobSeeker, *, manager: bool) -> None:
    """A supervisor or manager (a manager when `manager`) of the seeker's office, active."""
    user = staff.user
    if not user.is_active or user.kind != User.Kind.STAFF:
        raise PermissionDenied(_("この操作は職員だけが行えます。"))
    if staff.office_id != seeker.office_id:
        raise PermissionDenied(_("求職者の保護は、求職者の登録安定所の職員が扱います。"))
    if manager and staff.role != StaffRole.MANAGER:
        raise PermissionDenied(_("保護の解除を承認できるのは所長・管理者です。"))
    if not staff.can_approve:
        raise PermissionDenied(_("求職者の保護を扱えるのは統括官または所長です。"))


def _clean_reason(reason: str, field: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("理由を入力してください。")})
    if len(reason) > PROTECTION_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("理由は%(max)d文字以内で入力してください。")
                % {"max": PROTECTION_REASON_MAX_LENGTH}
            }
        )
    return reason


def _locked_protection(seeker: JobSeeker) -> tuple[JobSeeker, SeekerProtection | None]:
    """The seeker, locked (one active protection at a time), and its active protection."""
    seeker = JobSeeker.objects.select_for_update().get(pk=seeker.pk)
    protection = (
        SeekerProtection.objects.select_for_update()
        .filter(seeker=seeker, lifted_at__isnull=True)
        .first()
    )
    return seeker, protection


@transaction.atomic
def seeker_protection_set(
    *,
    seeker: JobSeeker,
    supervisor: StaffMember,
    reason: str,
    establishments: Iterable[Establishment] = (),
) -> SeekerProtection:
    """Protects a seeker (rule 13), or excludes more establishments from an active
    protection (the reason for them is added to it). A supervisor or manager of the
    seeker's office, with a reason. From the commit on, no referral of the seeker to an
    excluded establishment can be drafted, shown, confirmed, approved or issued; disclosures
    that already exist to them are hidden from them (selectors.visible_now) and raise a
    critical alert (the referral side). Nothing is ever removed here: lifting takes two
    people, and extending withdraws a lift asked for earlier.

    Refuses:
        `establishments`:
            - "Enter an establishment that is not yet excluded."
        `reason`:
            - "Enter the reason."
            - "Enter the reason in %(max)d characters or fewer."
        PermissionDenied:
            - "Only staff can do this."
            - "Only staff of the office where the job seeker is registered handle their protection."
            - "Only a manager can approve lifting a protection."
            - "Only a supervisor or a manager can handle a job seeker’s protection."
    """
    seeker, protection = _locked_protection(seeker)
    _require_protection_staff(supervisor, seeker, manager=False)
    reason = _clean_reason(reason, "reason")
    chosen = {establishment.pk: establishment for establishment in establishments}
    now = timezone.now()
    withdrawn = False
    if protection is None:
        protection = SeekerProtection.objects.create(
            seeker=seeker, reason=reason, set_by=supervisor, set_at=now
        )
        new_ids = sorted(chosen)
        action = "seeker.protected"
    else:
        new_ids = sorted(set(chosen) - set(protection.excluded.values_list("pk", flat=True)))
        if not new_ids:
            raise ValidationError(
                {"establishments": _("紹介できない事業所に加える事業所を選んでください。")}
            )
        stamp = timezone.localtime(now).strftime("%Y-%m-%d")
        protection.reason = f"{protection.reason}\n{stamp}: {reason}"
        # A lift asked for before this extension was asked about fewer establishments: it
        # is withdrawn, so that an approval never lifts an exclusion nobody asked about.
        withdrawn = protection.lift_requested_at is not None
        protection.lift_requested_by = None
        protection.lift_requested_at = None
        protection.lift_reason = ""
        protection.save(
            update_fields=["reason", "lift_requested_by", "lift_requested_at", "lift_reason"]
        )
        action = "seeker.protection_extended"
    protection.excluded.add(*new_ids)
    detail: dict[str, object] = {"seeker_id": seeker.pk, "establishment_ids": new_ids}
    if withdrawn:
        detail["lift_request_withdrawn"] = True
    audit.record(action, actor=supervisor.user, target=protection, detail=detail)
    signals.seeker_protected.send(
        sender=SeekerProtection, protection=protection, establishment_ids=new_ids, staff=supervisor
    )
    return protection


@transaction.atomic
def seeker_protection_lift_request(
    *, seeker: JobSeeker, supervisor: StaffMember, reason: str
) -> SeekerProtection:
    """The first of two people to lift a protection: a supervisor or manager of the
    seeker's office asks, with a reason. Nothing changes until a manager who did not ask
    approves (`seeker_protection_lift_approve`).

    Refuses:
        non-field:
            - "This job seeker is not protected."
            - "Lifting this protection has already been requested."
        `reason`:
            - "Enter the reason."
            - "Enter the reason in %(max)d characters or fewer."
        PermissionDenied:
            - "Only staff can do this."
            - "Only staff of the office where the job seeker is registered handle their protection."
            - "Only a manager can approve lifting a protection."
            - "Only a supervisor or a manager can handle a job seeker’s protection."
    """
    seeker, protection = _locked_protection(seeker)
    _require_protection_staff(supervisor, seeker, manager=False)
    if protection is None:
        raise ValidationError(_("この求職者は保護されていません。"))
    if protection.lift_requested_at is not None:
        raise ValidationError(_("この保護には解除の依頼が既に出ています。"))
    protection.lift_reason = _clean_reason(reason, "reason")
    protection.lift_requested_by = supervisor
    protection.lift_requested_at = timezone.now()
    protection.save(update_fields=["lift_reason", "lift_requested_by", "lift_requested_at"])
    audit.record(
        "seeker.protection_lift_requested",
        actor=supervisor.user,
        target=protection,
        detail={"seeker_id": seeker.pk},
    )
    return protection


def _pending_lift(seeker: JobSeeker, manager: StaffMember) -> SeekerProtection:
    seeker, protection = _locked_protection(seeker)
    _require_protection_staff(manager, seeker, manager=True)
    if protection is None or protection.lift_requested_at is None:
        raise ValidationError(_("この保護には解除の依頼が出ていません。"))
    if protection.lift_requested_by_id == manager.pk:
        raise PermissionDenied(
            _("自分が依頼した解除は承認・却下できません。別の所長・管理者が判断します。")
        )
    return protection


@transaction.atomic
def seeker_protection_lift_approve(*, seeker: JobSeeker, manager: StaffMember) -> SeekerProtection:
    """The second person: a manager of the seeker's office who did not ask lifts the
    protection (a database constraint holds the two apart). The row stays, lifted.

    Refuses:
        non-field:
            - "Nobody has requested lifting this protection."
        PermissionDenied:
            - "You cannot decide on lifting you requested yourself. Another manager decides."
            - "Only staff can do this."
            - "Only staff of the office where the job seeker is registered handle their protection."
            - "Only a manager can approve lifting a protection."
            - "Only a supervisor or a manager can handle a job seeker’s protection."
    """
    protection = _pending_lift(seeker, manager)
    protection.lifted_by = manager
    protection.lifted_at = timezone.now()
    protection.save(update_fields=["lifted_by", "lifted_at"])
    audit.record(
        "seeker.protection_lifted",
        actor=manager.user,
        target=protection,
        detail={"seeker_id": seeker.pk, "requested_by_id": protection.lift_requested_by_id},
    )
    return protection


@transaction.atomic
def seeker_protection_lift_reject(*, seeker: JobSeeker, manager: StaffMember) -> SeekerProtection:
    """A manager who did not ask turns the lift request down: the protection stays in
    force as it was, and a new request can be made.

    Refuses:
        non-field:
            - "Nobody has requested lifting this protection."
        PermissionDenied:
            - "You cannot decide on lifting you requested yourself. Another manager decides."
            - "Only staff can do this."
            - "Only staff of the office where the job seeker is registered handle their protection."
            - "Only a manager can approve lifting a protection."
            - "Only a supervisor or a manager can handle a job seeker’s protection."
    """
    protection = _pending_lift(seeker, manager)
    requested_by = protection.lift_requested_by_id
    protection.lift_requested_by = None
    protection.lift_requested_at = None
    protection.lift_reason = ""
    protection.save(update_fields=["lift_requested_by", "lift_requested_at", "lift_reason"])
    audit.record(
        "seeker.protection_lift_rejected",
        actor=manager.user,
        target=protection,
        detail={"seeker_id": seeker.pk, "requested_by_id": requested_by},
    )
    return protection


# -- the registry import (rule 13, issue 16) ----------------------------------------------


class ImportRefused(ValidationError):
    """A file with refused lines, imported without `skip_refused`: nothing was written.
    `report` says which lines and why."""

    def __init__(self, report: registry_import_module.ImportReport) -> None:
        super().__init__(
            _(
                "%(count)d行が取り込めないため、ファイル全体を取り込みませんでした。"
                "直して取り込み直すか、取り込めない行を飛ばして残りを取り込んでください。"
            )
            % {"count": report.counts[registry_import_module.REFUSED]},
            code="refused_lines",
        )
        self.report = report


# What an import line sets on a staff member's login and on the staff member.
IMPORT_STAFF_USER_FIELDS = frozenset({"name", "email"})
IMPORT_STAFF_FIELDS = frozenset({"office", "role"})


def _registry_import_create(kind: str, by: User, values: dict[str, Any]) -> int:
    """Creates the record of one import line through `registry_create` (the admin's path:
    full_clean, `registry.created` with the field names); a staff line makes a staff login
    without a usable password (set later through the usual reset), then its staff member.
    Returns the id of the record the line is (the staff member for staff)."""
    if kind != "staff":
        model = registry_import_module.SPECS[kind].model
        record_id: int = registry_create(model=model, by=by, values=values).pk
        return record_id
    user = User(username=values["username"])
    user.set_unusable_password()
    login = registry_create(
        model=User,
        by=by,
        values={
            "username": values["username"],
            "kind": User.Kind.STAFF,
            "password": user.password,
            **{k: values[k] for k in IMPORT_STAFF_USER_FIELDS if k in values},
        },
    )
    staff = registry_create(
        model=StaffMember,
        by=by,
        values={"user": login, **{k: values[k] for k in IMPORT_STAFF_FIELDS if k in values}},
    )
    return staff.pk


def _registry_import_change(kind: str, by: User, pk: int, values: dict[str, Any]) -> None:
    """One import line's changes, through the path of the admin and the services' edits
    (`_registry_update` with CHANGE_FIELDS): `registry.changed` with field names, and the
    referral side's warnings for live referrals (signals.registry_changed) -- a posting
    moved to another establishment by an import is held back from approval exactly as by
    posting_update."""
    if kind == "staff":
        staff = StaffMember.objects.get(pk=pk)
        user_changes = {k: v for k, v in values.items() if k in IMPORT_STAFF_USER_FIELDS}
        staff_changes = {k: v for k, v in values.items() if k in IMPORT_STAFF_FIELDS}
        if user_changes:
            _registry_update(User, staff.user_id, by, user_changes, IMPORT_STAFF_USER_FIELDS)
        if staff_changes:
            _registry_update(StaffMember, pk, by, staff_changes, IMPORT_STAFF_FIELDS)
        return
    model = registry_import_module.SPECS[kind].model
    _registry_update(model, pk, by, values, CHANGE_FIELDS[model])


@transaction.atomic
def registry_import(
    *,
    kind: str,
    data: bytes,
    by: User,
    dry_run: bool,
    encoding: str | None = None,
    skip_refused: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    progress_every: int = 500,
) -> registry_import_module.ImportReport:
    """Imports one CSV export of the main system (`kind` one of offices, staff,
    establishments, postings, seekers; `data` the file's bytes, UTF-8 or CP932, guessed
    unless `encoding` says) in one transaction, upserting by the natural number (office
    code, 事業所番号, 求人番号, 求職番号, staff login) and never deleting: records the
    file lacks are reported in `missing`, not removed. Returns the report of every line:
    created, changed (field names), unchanged, refused (line, column, reason in Japanese
    and English).

    `dry_run` reads only: nothing is written, no AuditEvent. Otherwise a file with a
    refused line is refused whole (ImportRefused, nothing written) unless `skip_refused`
    (the operator saw the dry run and confirmed): then the other lines are imported.
    Every created record is traced `registry.created`, every change goes through
    `_registry_update` (`registry.changed`, the live-referral warnings), and the file as a
    whole `registry.imported` (kind, counts, the ids created and changed, the refused
    lines' numbers, how many records the file lacks). Needs `hellowork.import_<model>`
    (and add/change of the model). A file that cannot be read at all (encoding, header)
    is a ValidationError saying what to do. `progress(phase, done, total)` is called
    every `progress_every` lines (phase "check" then "write").

    Refuses:
        non-field:
            - "What to import is one of: %(kinds)s"
            - the import file cannot be read (the reader's message)
            - "These fields cannot be changed: %(fields)s"
            - "This record cannot be created here."
        PermissionDenied:
            - "You are not allowed to import registry records."
            - "You are not allowed to change the registry."
    """
    if kind not in registry_import_module.KINDS:
        raise ValidationError(
            _("取り込む種類は次のどれかです: %(kinds)s")
            % {"kinds": ", ".join(registry_import_module.KINDS)}
        )
    model = registry_import_module.SPECS[kind].model
    if not by.is_active or not by.has_perm(f"hellowork.import_{model._meta.model_name}"):
        raise PermissionDenied(_("登録情報を取り込む権限がありません。"))
    try:
        text, used_encoding = registry_import_module.decode(data, encoding)
        header, lines = registry_import_module.read_lines(text)
        planner = registry_import_module.Planner(kind, header)
        planner.prefetch(lines)
    except registry_import_module.RegistryFileError as error:
        raise ValidationError(str(error), code="unreadable_file") from None
    plans = []
    for done, line in enumerate(lines, start=1):
        plans.append(planner.plan(line))
        if progress is not None and (done % progress_every == 0 or done == len(lines)):
            progress("check", done, len(lines))
    report = registry_import_module.ImportReport(
        kind=kind,
        encoding=used_encoding,
        dry_run=dry_run,
        lines=plans,
        missing=planner.missing(plan.key for plan in plans),
    )
    if dry_run:
        return report
    if report.counts[registry_import_module.REFUSED] and not skip_refused:
        raise ImportRefused(report)
    created, changed = [], []
    for done, plan in enumerate(plans, start=1):
        if plan.outcome == registry_import_module.CREATED:
            plan.pk = _registry_import_create(kind, by, plan.values)
            created.append(plan.pk)
        elif plan.outcome == registry_import_module.CHANGED:
            assert plan.pk is not None
            _registry_import_change(kind, by, plan.pk, plan.values)
            changed.append(plan.pk)
        if progress is not None and (done % progress_every == 0 or done == len(plans)):
            progress("write", done, len(plans))
    report.applied = True
    audit.record(
        "registry.imported",
        actor=by,
        detail={
            "kind": kind,
            "encoding": used_encoding,
            "lines": len(plans),
            "counts": report.counts,
            "created_ids": created,
            "changed_ids": changed,
            "refused_lines": [p.line for p in plans if p.outcome == registry_import_module.REFUSED],
            "missing": len(report.missing),
        },
    )
    return report
