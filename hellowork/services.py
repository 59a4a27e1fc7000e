"""Every write of the registry that the applications make (DESIGN.md section 5).

Keyword-only arguments, one transaction, a lock on what is counted or changed, the
caller's permission checked here, ValidationError or PermissionDenied with a message the
user understands, and an AuditEvent (ids, never names or addresses).
"""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.identifiers import normalize
from hellowork.models import AuditEvent, EmployerMember, Establishment, User

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


def _send_invitation(user: User, establishment: Establishment) -> None:
    """The new member's link to set a password. The message names the establishment, not
    the person."""
    link = _password_link(user)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【ハローワーク】求人者マイページの利用者として登録されました")
        body = render_to_string(
            "hellowork/email/member_invitation.txt",
            {
                "link": link,
                "establishment_name": establishment.name,
                "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            },
        )
    mailers.default.send_messages(
        [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])]
    )


@transaction.atomic
def employer_member_add(*, by: EmployerMember, email: str, name: str) -> EmployerMember:
    """The primary member adds a login for a colleague: at most Establishment.MAX_MEMBERS
    active ones, counted under a lock on the establishment. The new login has no usable
    password; an e-mail carries a link to set one. An address of a member this
    establishment removed earlier brings that login back (same user, new link)."""
    establishment = _locked_establishment_of_primary(by)
    email = normalize(email or "").lower()
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
    if active_member_count(establishment=establishment) >= Establishment.MAX_MEMBERS:
        raise ValidationError(
            _(
                "登録できる利用者は1事業所%(max)d人までです。追加するには、先に使わなくなった利用者を削除してください。"
            )
            % {"max": Establishment.MAX_MEMBERS}
        )

    taken = list(
        User.objects.select_for_update().filter(Q(username__iexact=email) | Q(email__iexact=email))
    )
    existing = taken[0] if len(taken) == 1 else None
    if taken and (existing is None or existing.is_active):
        raise ValidationError(
            {
                "email": _(
                    "このメールアドレスは既に登録されています。別のアドレスを入力してください。"
                )
            }
        )
    reactivated = False
    if existing is not None:
        member = EmployerMember.objects.filter(user=existing, establishment=establishment).first()
        if member is None:
            raise ValidationError(
                {
                    "email": _(
                        "このメールアドレスは既に登録されています。別のアドレスを入力してください。"
                    )
                }
            )
        # A colleague removed earlier comes back: the same login, so the audit trail stays one.
        user = existing
        user.is_active = True
        user.name = name
        user.set_unusable_password()
        user.save(update_fields=["is_active", "name", "password"])
        reactivated = True
    else:
        user = User(username=email, email=email, name=name, kind=User.Kind.EMPLOYER)
        user.set_unusable_password()
        try:
            user.full_clean()
        except ValidationError:
            raise ValidationError(
                {
                    "email": _(
                        "このメールアドレスはログインIDに使えません。別のアドレスを入力してください。"
                    )
                }
            ) from None
        user.save()
        member = EmployerMember.objects.create(user=user, establishment=establishment)
    audit.record(
        "employer_member.added",
        actor=by.user,
        target=member,
        detail={
            "establishment_id": establishment.pk,
            "user_id": user.pk,
            "reactivated": reactivated,
        },
    )
    _send_invitation(user, establishment)
    return member


@transaction.atomic
def employer_member_remove(*, member: EmployerMember, by: EmployerMember) -> EmployerMember:
    """The primary member removes a colleague's login: the user is deactivated (never
    deleted: the audit trail points at it), which ends its sessions and frees the slot.
    The primary member cannot remove themselves."""
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
    been validated by the form (AUTH_PASSWORD_VALIDATORS); the link's token by the view."""
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


@transaction.atomic
def employer_password_reset_request(*, email: str) -> bool:
    """A member who forgot their password asks for a link to set a new one. It goes only
    to the address of an active my-page login, at most once per
    PASSWORD_RESET_INTERVAL_MINUTES. The caller shows the same answer whatever this returns
    (whether a link was sent), so the page tells nobody which addresses are registered."""
    email = normalize(email or "").strip().lower()
    user = (
        User.objects.select_for_update()
        .filter(
            email__iexact=email,
            kind=User.Kind.EMPLOYER,
            is_active=True,
            employer_member__isnull=False,
        )
        .first()
    )
    if not email or user is None:
        return False
    recently = timezone.now() - datetime.timedelta(minutes=PASSWORD_RESET_INTERVAL_MINUTES)
    if AuditEvent.objects.filter(
        action="employer_member.password_reset_sent",
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
        at__gte=recently,
    ).exists():
        return False
    link = _password_link(user)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【ハローワーク】求人者マイページのパスワードの再設定")
        body = render_to_string(
            "hellowork/email/password_reset.txt",
            {"link": link, "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
        )
    mailers.default.send_messages(
        [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])]
    )
    audit.record("employer_member.password_reset_sent", actor=None, target=user)
    return True
