"""The shared registry: offices, people, establishments, postings, seekers."""

import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hellowork.identifiers import IdentifierField, shape_constraint
from hellowork.name_keys import kana_key, name_key

KANA_REGEX = r"^[ァ-ヶー・　 ]+$"
# Django's four, and "import": loading the main system's CSV exports (manage.py
# registry_import, the admin's import), a right of its own (hellowork.services.registry_import).
REGISTRY_PERMISSIONS = ("add", "change", "delete", "view", "import")


def kana_constraint(model: str, field: str = "kana") -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__regex": KANA_REGEX}), name=f"{model}_{field}_katakana"
    )


def choices_constraint(
    model: str, field: str, choices: type[models.TextChoices]
) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}), name=f"{model}_{field}_valid"
    )


class NameSearchKeys(models.Model):
    """A name kept as written, with the keys a counter search compares (hellowork.name_keys):
    a clerk's 高橋 or たかはし finds 髙橋 / タカハシ. Kept in step with `name` and `kana` by
    save(); never shown."""

    name_key = models.TextField(editable=False, default="")
    kana_key = models.TextField(editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = name_key(getattr(self, "name", ""))
        self.kana_key = kana_key(getattr(self, "kana", ""))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "kana"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key", "kana_key"}
        super().save(*args, **kwargs)


class Office(models.Model):
    """A Hello Work office (公共職業安定所)."""

    code = IdentifierField(_("安定所番号"), shape="office", unique=True, max_length=4)
    name = models.CharField(_("名称"), max_length=100)
    bureau = models.CharField(_("労働局"), max_length=100)
    # Printed on the letter: where an employer without a my page returns the selection
    # result (選考結果通知) on the back of the letter.
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    fax = models.CharField(_("FAX番号"), max_length=20, blank=True)
    # Issue 20: the office issues a letter although the employer could not be reached on
    # the phone before it (evenings, Saturdays), with the reason recorded on the referral.
    # Off by default: the call comes first (hello-work-practice.md section 2).
    issues_without_call = models.BooleanField(
        _("求人者に連絡がつかないときも紹介状を発行できる（夜間・土曜など）"), default=False
    )

    class Meta:
        verbose_name = _("安定所")
        verbose_name_plural = pgettext_lazy("plural", "安定所")
        default_permissions = REGISTRY_PERMISSIONS
        ordering = ["code"]
        constraints = [shape_constraint("code", "office", "office")]

    def __str__(self) -> str:
        return self.name


class UserKind(models.TextChoices):
    STAFF = "staff", _("職員")
    EMPLOYER = "employer", _("求人者")


class User(AbstractUser):
    """One login. `kind` decides which side it may use: the counter or the my page."""

    Kind = UserKind
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("氏名"), max_length=100)
    kind = models.CharField(_("利用者の種類"), max_length=16, choices=UserKind.choices)

    REQUIRED_FIELDS = ["email", "kind"]

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = pgettext_lazy("plural", "利用者")
        constraints = [
            choices_constraint("user", "kind", UserKind),
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    CLERK = "clerk", pgettext_lazy("staff role", "職員")
    SUPERVISOR = "supervisor", _("統括官")
    MANAGER = "manager", _("所長・管理者")


class StaffMember(models.Model):
    Role = StaffRole

    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="staff_member", verbose_name=_("利用者")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="staff", verbose_name=_("安定所")
    )
    role = models.CharField(
        _("役割"), max_length=16, choices=StaffRole.choices, default=StaffRole.CLERK
    )

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = pgettext_lazy("plural", "職員")
        default_permissions = REGISTRY_PERMISSIONS
        constraints = [choices_constraint("staffmember", "role", StaffRole)]

    def __str__(self) -> str:
        return f"{self.user.name}（{self.office.name}・{self.get_role_display()}）"

    def clean(self) -> None:
        """A staff seat belongs to a staff login that is no employer member."""
        if self.user_id is None:
            return
        user = User.objects.filter(pk=self.user_id).first()
        if user is not None and (
            user.kind != UserKind.STAFF or EmployerMember.objects.filter(user=user).exists()
        ):
            raise ValidationError({"user": _("職員には、種類が「職員」の利用者を選んでください。")})

    @property
    def can_approve(self) -> bool:
        """Supervisors and managers check other people's work (DESIGN.md rule 4)."""
        return self.role in (self.Role.SUPERVISOR, self.Role.MANAGER)


class Establishment(NameSearchKeys):
    """An employer's establishment (事業所). Matched on its number, never on its name."""

    number = IdentifierField(_("事業所番号"), shape="establishment", unique=True)
    name = models.CharField(_("事業所名"), max_length=200)
    kana = models.CharField(_("事業所名（カナ）"), max_length=200)
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name=_("管轄安定所"),
    )
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    # 交通手段・最寄り駅, printed on the letter under the address.
    access = models.CharField(_("交通手段・最寄り駅"), max_length=200, blank=True)
    has_mypage = models.BooleanField(_("求人者マイページ開設"), default=False)
    # Retired (廃止) instead of deleted: letters, disclosures and the trail point at it.
    # Its postings are closed with it; the counter finds none of them.
    retired_at = models.DateTimeField(_("廃止日時"), null=True, blank=True, editable=False)

    MAX_MEMBERS = 10  # the real my page allows ten logins per establishment

    class Meta:
        verbose_name = _("事業所")
        verbose_name_plural = pgettext_lazy("plural", "事業所")
        default_permissions = REGISTRY_PERMISSIONS
        ordering = ["number"]
        constraints = [
            shape_constraint("number", "establishment", "establishment"),
            kana_constraint("establishment"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"


class EmployerMember(models.Model):
    """A login of an establishment's my page. The primary member manages the others."""

    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="employer_member", verbose_name=_("利用者")
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="members", verbose_name=_("事業所")
    )
    is_primary = models.BooleanField(_("管理者"), default=False)

    class Meta:
        verbose_name = _("求人者マイページ利用者")
        verbose_name_plural = pgettext_lazy("plural", "求人者マイページ利用者")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment"],
                condition=models.Q(is_primary=True),
                name="employermember_one_primary",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.name}（{self.establishment.name}）"

    def clean(self) -> None:
        """A my-page seat belongs to an employer login that is no staff member; one primary
        member per establishment (the constraint, said in words)."""
        if (
            self.is_primary
            and self.establishment_id is not None
            and EmployerMember.objects.filter(
                establishment_id=self.establishment_id, is_primary=True
            )
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {"is_primary": _("管理者は1事業所に1人です。先に今の管理者の印を外してください。")}
            )
        if self.user_id is None:
            return
        user = User.objects.filter(pk=self.user_id).first()
        if user is not None and (
            user.kind != UserKind.EMPLOYER or StaffMember.objects.filter(user=user).exists()
        ):
            raise ValidationError(
                {
                    "user": _(
                        "求人者マイページの利用者には、種類が「求人者」の利用者を選んでください。"
                    )
                }
            )


class EmployerInvitation(models.Model):
    """A colleague the primary member added, until they set a password. Every add makes one,
    so the members page looks the same whatever the address was: a new login (`member`
    set), a colleague removed earlier and brought back (`member` set), or an address
    registered elsewhere (no login made; the address is told someone tried)."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(max_length=150)
    name = models.CharField(max_length=100)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        EmployerMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class OutboxKind(models.TextChoices):
    PASSWORD_RESET = "password_reset", "password reset"
    MEMBER_INVITATION = "member_invitation", "member invitation"
    MEMBER_ADD_REFUSED = "member_add_refused", "member add refused"


class OutboxMail(models.Model):
    """A mail a request asked for, sent by the worker (`notify_employers`), never inside the
    request: the request's answer and time do not depend on the mail server or on who the
    address belongs to. Holds the recipient and ids; the worker writes the text (and any
    link's token) at sending time. Failures are tried again later, with a growing wait."""

    Kind = OutboxKind
    MAX_ATTEMPTS = 10

    kind = models.CharField(max_length=32, choices=OutboxKind.choices)
    to = models.EmailField(max_length=254)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [choices_constraint("outboxmail", "kind", OutboxKind)]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outboxmail_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class PostingStatus(models.TextChoices):
    OPEN = "open", _("受付中")
    CLOSED = "closed", _("募集終了")


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("正社員")
    CONTRACT = "contract", _("契約社員")
    PART_TIME = "part_time", _("パート")


class JobPosting(models.Model):
    Status = PostingStatus
    EmploymentType = EmploymentType

    number = IdentifierField(_("求人番号"), shape="posting", unique=True)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="postings", verbose_name=_("事業所")
    )
    title = models.CharField(_("職種"), max_length=200)
    status = models.CharField(
        _("状態"), max_length=16, choices=PostingStatus.choices, default=PostingStatus.OPEN
    )
    employment_type = models.CharField(
        _("雇用形態"),
        max_length=16,
        choices=EmploymentType.choices,
        default=EmploymentType.FULL_TIME,
    )
    work_location = models.CharField(_("就業場所"), max_length=200, blank=True)
    wage_min = models.PositiveIntegerField(_("賃金（下限・円）"), null=True, blank=True)
    wage_max = models.PositiveIntegerField(_("賃金（上限・円）"), null=True, blank=True)
    description = models.TextField(_("仕事の内容"), blank=True)
    # 求人の有効期限: the last day the posting is valid (in principle the end of the month
    # after next from its acceptance, renewable). The my page takes selection results until
    # the end of the third month after this day's month (referrals.results). Null on rows
    # loaded before the field existed: validity unknown, so no cut-off is applied.
    valid_until = models.DateField(_("求人の有効期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("求人")
        verbose_name_plural = pgettext_lazy("plural", "求人")
        default_permissions = REGISTRY_PERMISSIONS
        ordering = ["number"]
        constraints = [
            shape_constraint("number", "posting", "jobposting"),
            choices_constraint("jobposting", "status", PostingStatus),
            choices_constraint("jobposting", "employment_type", EmploymentType),
            models.CheckConstraint(
                condition=models.Q(wage_min__isnull=True)
                | models.Q(wage_max__isnull=True)
                | models.Q(wage_min__lte=models.F("wage_max")),
                name="jobposting_wage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @staticmethod
    def accepting_q(day: datetime.date) -> models.Q:
        """Postings taking applicants on `day` (a Japan date): open, and valid that day
        (a posting past its 有効期限 is no longer in force; unknown validity counts as
        valid). The one definition the counter's checks and its search share."""
        return models.Q(status=PostingStatus.OPEN) & (
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )

    @property
    def accepting_today(self) -> bool:
        """Whether a referral can be made to it today (Japan date); see refusal_on."""
        return not self.refusal_on(timezone.localdate())

    def refusal_on(self, day: datetime.date) -> str:
        """Why no referral to this posting can be made on `day`, or "" when it can: the
        message the counter's services raise (closed, or past its validity)."""
        if self.status != PostingStatus.OPEN:
            return str(_("この求人は募集を終了しています。"))
        if self.valid_until is not None and self.valid_until < day:
            return str(
                _("この求人は有効期限（%(date)s）を過ぎています。")
                % {"date": self.valid_until.isoformat()}
            )
        return ""


class JobSeeker(NameSearchKeys):
    number = IdentifierField(_("求職番号"), shape="seeker", unique=True)
    name = models.CharField(_("氏名"), max_length=100)
    kana = models.CharField(_("氏名（カナ）"), max_length=100)
    birth_date = models.DateField(_("生年月日"))
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="seekers", verbose_name=_("登録安定所")
    )
    # Registered contact points: a supervisor approving a referral made without the seeker
    # calls back this number (DESIGN.md rule 4), never one the clerk noted.
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    # The registration ended (登録の終了) instead of a delete: consultations, letters and the
    # trail point at it. The counter's search skips it and no consultation opens for it.
    retired_at = models.DateTimeField(_("登録終了日時"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("求職者")
        verbose_name_plural = pgettext_lazy("plural", "求職者")
        default_permissions = REGISTRY_PERMISSIONS
        ordering = ["number"]
        constraints = [
            shape_constraint("number", "seeker", "jobseeker"),
            kana_constraint("jobseeker"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class AuditEvent(models.Model):
    """One line of the audit trail: who did or saw what, when, from where.

    Append-only in the database itself (triggers refuse DELETE, and every UPDATE but the
    one seal of an unsealed row) and hash-chained by the sealer (hellowork.audit_sealer).
    `detail` holds ids and numbers, never names.
    """

    at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作者"),
    )
    action = models.CharField(_("操作"), max_length=64)
    target_type = models.CharField(_("対象の種類"), max_length=64, blank=True)
    target_id = models.CharField(_("対象ID"), max_length=64, blank=True)
    ip = models.CharField(_("接続元"), max_length=45, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    # The seal (hellowork.audit_sealer): empty (NULL) until the sealer chains the row; then
    # its place in the chain, the previous sealed row's hash and its own. Set once. NULL, not
    # "", for "not sealed": the hash is unique, and many rows wait unsealed at once.
    seq = models.BigIntegerField(null=True, unique=True)
    prev_hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True, unique=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = pgettext_lazy("plural", "監査ログ")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="auditevent_target"),
            models.Index(fields=["action", "at"], name="auditevent_action_at"),
            models.Index(
                fields=["id"], condition=models.Q(hash__isnull=True), name="auditevent_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}#{self.target_id}"


class SeekerProtection(models.Model):
    """A protected seeker (DESIGN.md rule 13): DV and similar support measures, or a seeker
    whose current employer must not learn of the search. While active (not lifted), no
    referral of the seeker reaches an excluded establishment, whoever asks, and no letter,
    my-page screen, e-mail or export shows the seeker's address or phone.

    Set by a supervisor of the seeker's office with a reason; more establishments can be
    excluded later the same way. Lifting takes two people: a supervisor asks
    (`lift_requested_by`), a manager other than the one who asked approves (`lifted_by`).
    The reason is for the supervisors' screen only: the audit trail keeps ids."""

    seeker = models.ForeignKey(
        JobSeeker, on_delete=models.PROTECT, related_name="protections", verbose_name=_("求職者")
    )
    excluded = models.ManyToManyField(
        Establishment, related_name="+", blank=True, verbose_name=_("紹介できない事業所")
    )
    reason = models.TextField(_("保護の理由"))
    set_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("設定した職員")
    )
    set_at = models.DateTimeField(_("設定日時"))
    lift_requested_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除を依頼した職員"),
    )
    lift_requested_at = models.DateTimeField(_("解除の依頼日時"), null=True, blank=True)
    lift_reason = models.TextField(_("解除の理由"), blank=True)
    lifted_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("解除を承認した職員"),
    )
    lifted_at = models.DateTimeField(_("解除日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("求職者の保護")
        verbose_name_plural = pgettext_lazy("plural", "求職者の保護")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="protection_reason_given"),
            # One active protection per seeker: more exclusions are added to it.
            models.UniqueConstraint(
                fields=["seeker"],
                condition=models.Q(lifted_at__isnull=True),
                name="protection_one_active_per_seeker",
            ),
            # A lift request has who, when and why, or nothing.
            models.CheckConstraint(
                condition=models.Q(
                    lift_requested_by__isnull=True, lift_requested_at__isnull=True, lift_reason=""
                )
                | (
                    models.Q(lift_requested_by__isnull=False, lift_requested_at__isnull=False)
                    & ~models.Q(lift_reason="")
                ),
                name="protection_lift_request_complete",
            ),
            # Lifted only on a request, by someone else than who asked (two people).
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | models.Q(
                    lifted_at__isnull=False,
                    lifted_by__isnull=False,
                    lift_requested_by__isnull=False,
                ),
                name="protection_lifted_on_request",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_by__isnull=True)
                | ~models.Q(lifted_by=models.F("lift_requested_by")),
                name="protection_lifter_is_not_requester",
            ),
        ]

    def __str__(self) -> str:
        label = _("求職者の保護")
        return f"{label} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
