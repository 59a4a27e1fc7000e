"""The counter side: consultations, the seeker's decisions, referral letters, the
confirmation each issued letter rests on, what an employer was shown, and alerts.

Rows are written only by referrals.services; the constraints below hold the invariants
the database can state by itself.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
)


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class CounterDisplay(models.Model):
    """A seeker-facing display (窓口の求職者用画面) at one counter desk: a browser on a
    tablet or second monitor turned to the seeker (DESIGN.md rule 3).

    A supervisor pairs it to the office (`paired_at`) and gets a one-time pairing code; the
    display's browser types the code (`device_paired_at`) and from then on holds a signed
    device credential (no user login). Only the digests of the code and of the device
    secret are kept. Active means paired and not retired; only a browser holding the
    credential acts as the display, and a retired display's credential opens nothing."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="counter_displays", verbose_name=_("安定所")
    )
    label = models.CharField(_("窓口の名前"), max_length=40)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    # Null for a display registered outside the services (the admin, a data load).
    created_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("画面を登録した職員"),
    )
    # The one-time pairing code, as a keyed digest; emptied when a browser redeems it.
    pairing_code_digest = models.CharField(max_length=64, blank=True)
    pairing_code_expires_at = models.DateTimeField(
        _("ペアリングコードの期限"), null=True, blank=True
    )
    paired_at = models.DateTimeField(_("ペアリング日時"), null=True, blank=True)
    # When a browser last typed a pairing code and took the credential.
    device_paired_at = models.DateTimeField(_("画面のペアリング日時"), null=True, blank=True)
    # A digest of the secret inside the browser's credential: a new pairing replaces it, so
    # the previous browser's credential stops working.
    device_secret_digest = models.CharField(max_length=64, blank=True)
    last_seen_at = models.DateTimeField(_("最後の接続"), null=True, blank=True)
    # Where the display's browser paired from and was last seen from, for the supervisors'
    # list: a display should be its own device, not a window on the clerk's PC.
    paired_ip = models.CharField(_("ペアリングした接続元"), max_length=45, blank=True)
    last_seen_ip = models.CharField(_("最後の接続元"), max_length=45, blank=True)
    retired_at = models.DateTimeField(_("使用停止日時"), null=True, blank=True)
    retired_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("使用停止した職員"),
    )

    class Meta:
        verbose_name = _("求職者用画面")
        verbose_name_plural = pgettext_lazy("plural", "求職者用画面")
        ordering = ["office", "label", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(label=""), name="counterdisplay_label_given"),
            models.UniqueConstraint(
                fields=["office", "label"],
                condition=Q(retired_at__isnull=True),
                name="counterdisplay_label_unique_in_office",
            ),
            models.UniqueConstraint(
                fields=["pairing_code_digest"],
                condition=~Q(pairing_code_digest=""),
                name="counterdisplay_pairing_code_unique",
            ),
            # A code waiting to be typed has an expiry; a paired display has a secret.
            models.CheckConstraint(
                condition=Q(pairing_code_digest="") | Q(pairing_code_expires_at__isnull=False),
                name="counterdisplay_code_expires",
            ),
            models.CheckConstraint(
                condition=Q(device_paired_at__isnull=True) | ~Q(device_secret_digest=""),
                name="counterdisplay_device_has_secret",
            ),
            models.CheckConstraint(
                condition=Q(retired_at__isnull=True, retired_by__isnull=True)
                | Q(retired_at__isnull=False, retired_by__isnull=False, pairing_code_digest=""),
                name="counterdisplay_retired_has_who_and_no_code",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.paired_at is not None and self.retired_at is None

    @property
    def has_device(self) -> bool:
        """A browser holds its credential: it can show read-backs and take answers."""
        return self.device_paired_at is not None and bool(self.device_secret_digest)


class ClosedReason(models.TextChoices):
    STAFF = "staff", _("職員が終了")
    IDLE = "idle", _("操作がないため自動終了")
    END_OF_DAY = "end_of_day", _("日付が変わったため自動終了")
    MERGED = "merged", _("統合")
    BEFORE_DISPLAYS = "before_displays", _("求職者用画面の導入時に終了")


class Consultation(models.Model):
    """A 職業相談 with one seeker. Drafting a referral never creates one (rule 1)."""

    seeker = models.ForeignKey(
        JobSeeker, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("求職者")
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("担当職員"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("安定所")
    )
    in_person = models.BooleanField(_("対面"))
    # In person, the seeker-facing display the consultation was opened at (rule 3).
    display = models.ForeignKey(
        CounterDisplay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("求職者用画面"),
    )
    opened_at = models.DateTimeField(_("開始"), db_index=True)
    # The last action in it: an in-person consultation idle for CONSULTATION_IDLE_MINUTES
    # closes by itself (rule 3b).
    last_activity_at = models.DateTimeField(_("最後の操作"))
    closed_at = models.DateTimeField(_("終了"), null=True, blank=True)
    closed_reason = models.CharField(
        _("終了の理由"), max_length=16, choices=ClosedReason.choices, blank=True
    )
    note = models.TextField(_("相談内容のメモ"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("統合先"),
    )

    class Meta:
        verbose_name = _("職業相談")
        verbose_name_plural = pgettext_lazy("plural", "職業相談")
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at")),
                name="consultation_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(closed_at__isnull=False),
                name="consultation_merged_is_closed",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="consultation_not_merged_into_itself"
            ),
            # Rule 3: a display only in person, and an open in-person consultation has one.
            models.CheckConstraint(
                condition=Q(display__isnull=True) | Q(in_person=True),
                name="consultation_display_only_in_person",
            ),
            models.CheckConstraint(
                condition=Q(in_person=False)
                | Q(display__isnull=False)
                | Q(closed_at__isnull=False),
                name="consultation_open_in_person_has_display",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_reason="")
                | (Q(closed_at__isnull=False) & _in("closed_reason", ClosedReason)),
                name="consultation_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(last_activity_at__gte=models.F("opened_at")),
                name="consultation_activity_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.opened_at:%Y-%m-%d}"

    def closes_by_itself(self) -> tuple[datetime.datetime, str] | None:
        """Rule 3b: when an open in-person consultation closes by itself, and why:
        CONSULTATION_IDLE_MINUTES after its last action (`"idle"`) or at the end of the
        day it was opened (`"end_of_day"`), whichever comes first. None when it is not in
        person or already closed."""
        if not self.in_person or self.closed_at is not None:
            return None
        idle = self.last_activity_at + datetime.timedelta(
            minutes=settings.CONSULTATION_IDLE_MINUTES
        )
        opened_day = timezone.localtime(self.opened_at).date()
        end_of_day = timezone.make_aware(
            datetime.datetime.combine(opened_day + datetime.timedelta(days=1), datetime.time())
        )
        if end_of_day <= idle:
            return end_of_day, ClosedReason.END_OF_DAY
        return idle, ClosedReason.IDLE

    def closes_at(self) -> datetime.datetime | None:
        closing = self.closes_by_itself()
        return closing[0] if closing else None

    def is_open_at(self, moment: datetime.datetime) -> bool:
        if self.closed_at is not None:
            return False
        closing = self.closes_by_itself()
        return closing is None or moment < closing[0]

    @property
    def is_open(self) -> bool:
        """Open now: not closed by anyone, and not past the time it closes by itself."""
        return self.is_open_at(timezone.now())

    @property
    def closing(self) -> tuple[datetime.datetime, str] | None:
        """For screens: (when, why) it closed, whether recorded yet or only due (rule 3b:
        the services record it at the next action, the worker within minutes); None while
        open."""
        if self.closed_at is not None:
            return self.closed_at, self.closed_reason
        closing = self.closes_by_itself()
        if closing is not None and timezone.now() >= closing[0]:
            return closing
        return None

    @property
    def closing_reason_label(self) -> str:
        closing = self.closing
        return str(ClosedReason(closing[1]).label) if closing and closing[1] else ""


class Decision(models.TextChoices):
    APPLY = "apply", _("応募する")
    DECLINED = "declined", _("応募しない")
    CONSIDERING = "considering", _("検討中")


class PostingInterest(models.Model):
    """The seeker's current decision on one posting discussed in a consultation (rule 2).
    Earlier decisions are in the audit trail."""

    Decision = Decision

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="interests", verbose_name=_("職業相談")
    )
    posting = models.ForeignKey(
        JobPosting, on_delete=models.PROTECT, related_name="interests", verbose_name=_("求人")
    )
    decision = models.CharField(_("求職者の意向"), max_length=16, choices=Decision.choices)
    recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("記録した職員")
    )
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("求人への意向")
        verbose_name_plural = pgettext_lazy("plural", "求人への意向")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "posting"], name="postinginterest_once_per_consultation"
            ),
            models.CheckConstraint(
                condition=_in("decision", Decision), name="postinginterest_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting.number}: {self.get_decision_display()}"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("作成中")
    PENDING_APPROVAL = "pending_approval", _("承認待ち")
    ISSUED = "issued", _("発行済み")
    VOIDED = "voided", _("取消")
    RETRACTED = "retracted", _("撤回")


class ApprovalReason(models.TextChoices):
    NOT_IN_PERSON = "not_in_person", _("求職者が対面していない相談")
    CONSULTATION_CLOSED = "consultation_closed", _("相談終了後の入力")
    RETRACT_REORDER = "retract_reorder", _("取消直後の別事業所への再入力")
    MISMATCH_LOCK = "mismatch_lock", _("確認の不一致が重なったためロック")


class ReferralLetter(models.Model):
    """A 紹介状. Its code is assigned at issue and kept for ever (rule 6)."""

    Status = ReferralStatus

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("職業相談")
    )
    posting = models.ForeignKey(
        JobPosting, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("求人")
    )
    drafted_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="drafted_referrals",
        verbose_name=_("作成した職員"),
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    code = models.CharField(_("紹介コード"), max_length=13, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"))
    # Why this referral cannot be confirmed at the counter (ApprovalReason values).
    approval_reasons = models.JSONField(_("承認が必要な理由"), default=list, blank=True)
    previous_referral = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("直前に取り消された紹介"),
    )
    submitted_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("差し戻しの理由"), blank=True)
    issued_at = models.DateTimeField(_("発行日時"), null=True, blank=True)
    voided_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    void_reason = models.TextField(_("取消の理由"), blank=True)
    # Rule 3b: set at the third caught mismatch; from then on only an approval issues it.
    locked_at = models.DateTimeField(_("ロック日時"), null=True, blank=True)
    # The posting's establishment when the letter was drafted: a posting re-filed under
    # another establishment since is not issued until the clerk drafts again (rule 13).
    drafted_establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作成時の事業所"),
    )

    class Meta:
        verbose_name = _("紹介状")
        verbose_name_plural = pgettext_lazy("plural", "紹介状")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_in("status", ReferralStatus), name="referralletter_status_valid"
            ),
            # A code exists from issue on, and never before.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["draft", "pending_approval"], code__isnull=True)
                    | Q(status__in=["issued", "retracted"], code__isnull=False)
                    | Q(status="voided")
                ),
                name="referralletter_code_from_issue",
            ),
            models.CheckConstraint(
                condition=Q(code__isnull=True) | Q(issued_at__isnull=False),
                name="referralletter_code_has_issue_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="voided") | Q(voided_at__isnull=False, voided_by__isnull=False),
                name="referralletter_voided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending_approval") | Q(submitted_at__isnull=False),
                name="referralletter_pending_was_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="referral_status_submitted"),
            # What makes a disclosure visible includes its letter being issued: this lets
            # that check be an index-only probe instead of a visit to each letter's row.
            models.Index(fields=["id"], condition=Q(status="issued"), name="referral_issued"),
        ]

    def __str__(self) -> str:
        label = _("紹介状")
        return f"{label} #{self.pk} ({self.get_status_display()})"

    @property
    def seeker(self) -> JobSeeker:
        return self.consultation.seeker

    @property
    def office(self) -> Office:
        return self.consultation.office

    @property
    def establishment(self) -> Establishment:
        return self.posting.establishment


class UnreachedReason(models.TextChoices):
    """Why the employer could not be reached before issue (issue 20): only an office that
    issues without the call (Office.issues_without_call) issues on one of these."""

    EVENING = "evening", _("夜間")
    SATURDAY = "saturday", _("土曜")
    OTHER = "other", _("その他")


class EmployerCall(models.Model):
    """The clerk's call to the employer before issue (求人者への連絡, issue 20): whether
    the employer was reached, whether the posting still takes applicants, and what the
    letter prints: the interview's date, time and place, the contact person (担当者), the
    documents to bring (応募書類) and the selection method (選考方法). A referral may have
    several calls (a second try, a changed date); the latest is the one the letter prints
    and issuance rests on. Written only by `services.employer_call_record`."""

    UnreachedReason = UnreachedReason

    referral = models.ForeignKey(
        ReferralLetter, on_delete=models.PROTECT, related_name="calls", verbose_name=_("紹介状")
    )
    called_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("連絡した職員")
    )
    called_at = models.DateTimeField(_("連絡日時"))
    reached = models.BooleanField(_("求人者に連絡がついた"))
    # Null when not reached: nobody said.
    accepting = models.BooleanField(_("応募を受け付けている"), null=True, blank=True)
    unreached_reason = models.CharField(
        _("連絡がつかなかった理由"), max_length=16, choices=UnreachedReason.choices, blank=True
    )
    unreached_note = models.CharField(_("その他の理由"), max_length=200, blank=True)
    interview_date = models.DateField(_("面接日"), null=True, blank=True)
    interview_time = models.TimeField(_("面接時刻"), null=True, blank=True)
    interview_place = models.CharField(_("面接場所"), max_length=200, blank=True)
    contact_person = models.CharField(_("担当者"), max_length=100, blank=True)
    documents = models.CharField(_("応募書類"), max_length=200, blank=True)
    selection_method = models.CharField(_("選考方法"), max_length=200, blank=True)
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("求人者への連絡")
        verbose_name_plural = pgettext_lazy("plural", "求人者への連絡")
        ordering = ["-called_at", "-id"]
        constraints = [
            # Reached: the employer said whether it still takes applicants, and no reason
            # for not reaching it. Not reached: a reason (その他 with its words), nothing said.
            models.CheckConstraint(
                condition=Q(reached=True, accepting__isnull=False, unreached_reason="")
                | (
                    Q(reached=False, accepting__isnull=True)
                    & _in("unreached_reason", UnreachedReason)
                    & (~Q(unreached_reason="other") | ~Q(unreached_note=""))
                ),
                name="employercall_reached_or_reason",
            ),
            # A closed posting has no interview to print.
            models.CheckConstraint(
                condition=Q(accepting=True)
                | Q(
                    interview_date__isnull=True,
                    interview_time__isnull=True,
                    interview_place="",
                ),
                name="employercall_interview_only_when_accepting",
            ),
        ]
        indexes = [models.Index(fields=["referral", "-called_at"], name="employercall_latest")]

    def __str__(self) -> str:
        label = _("求人者への連絡")
        return f"{label} #{self.pk}"

    @property
    def closed(self) -> bool:
        """The employer said the posting takes no more applicants."""
        return self.reached and self.accepting is False


class ConfirmationMethod(models.TextChoices):
    IN_PERSON = "in_person", _("対面（求職者用画面で本人が確認）")
    APPROVAL = "approval", _("統括官の承認")
    # Confirmations made before the second wave, kept under what they really were: the
    # clerk typed both halves, and the supervisor's source was not recorded.
    IN_PERSON_CLERK = "in_person_clerk", _("対面（職員が両方を入力、旧方式）")
    APPROVAL_UNSOURCED = "approval_unsourced", _("統括官の承認（聴取の方法の記録なし、旧方式）")


class ApprovalSource(models.TextChoices):
    """Where the supervisor heard the seeker's choice (rule 4)."""

    CALLBACK = "callback", _("登録の電話番号に折り返して本人から聞いた")
    SEEKER_PRESENT = "seeker_present", _("求職者が窓口にいて本人から聞いた")
    WRITTEN = "written", _("求職者本人からの書面・メッセージ")


class Confirmation(models.Model):
    """The second person's check that an issued referral rests on (rules 3 and 4).

    In person, the second person is the seeker: the clerk re-typed the posting digits the
    seeker read out and the birth date the seeker said. By approval, it is a supervisor
    or manager of the office who is not the maker and who stated the posting blind.
    """

    Method = ConfirmationMethod

    referral = models.OneToOneField(
        ReferralLetter,
        on_delete=models.PROTECT,
        related_name="confirmation",
        verbose_name=_("紹介状"),
    )
    method = models.CharField(_("確認の方法"), max_length=24, choices=ConfirmationMethod.choices)
    maker = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("作成した職員")
    )
    operator = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("確認を入力した職員"),
    )
    confirmer_seeker = models.ForeignKey(
        JobSeeker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した求職者"),
    )
    confirmer_staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="confirmations",
        verbose_name=_("承認した職員"),
    )
    posting = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="+")
    entered_posting_digits = models.CharField(max_length=4, blank=True)
    stated_posting_number = models.CharField(max_length=20, blank=True)
    # In person: the seeker's own answer on the display that this confirmation rests on.
    display_answer = models.OneToOneField(
        "DisplayReadback",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="confirmation",
        verbose_name=_("求職者用画面での本人の確認"),
    )
    # By approval: where the supervisor heard the seeker's choice.
    source = models.CharField(
        _("聴取の方法"), max_length=16, choices=ApprovalSource.choices, blank=True
    )
    confirmed_at = models.DateTimeField(_("確認日時"))

    class Meta:
        verbose_name = _("確認")
        verbose_name_plural = pgettext_lazy("plural", "確認")
        constraints = [
            models.CheckConstraint(
                condition=_in("method", ConfirmationMethod), name="confirmation_method_valid"
            ),
            # Each method carries its evidence: in person, the seeker's answer on the display
            # and the re-typed digits; by approval, a supervisor's statement and where it
            # was heard. The first wave's rows keep their own methods and evidence.
            models.CheckConstraint(
                condition=Q(
                    method="in_person",
                    confirmer_seeker__isnull=False,
                    confirmer_staff__isnull=True,
                    entered_posting_digits__regex=r"^[0-9]{4}$",
                    display_answer__isnull=False,
                    source="",
                )
                | (
                    Q(
                        method="approval",
                        confirmer_seeker__isnull=True,
                        confirmer_staff__isnull=False,
                        display_answer__isnull=True,
                    )
                    & ~Q(stated_posting_number="")
                    & _in("source", ApprovalSource)
                )
                | Q(
                    method="in_person_clerk",
                    confirmer_seeker__isnull=False,
                    confirmer_staff__isnull=True,
                    entered_posting_digits__regex=r"^[0-9]{4}$",
                    display_answer__isnull=True,
                    source="",
                )
                | (
                    Q(
                        method="approval_unsourced",
                        confirmer_seeker__isnull=True,
                        confirmer_staff__isnull=False,
                        display_answer__isnull=True,
                        source="",
                    )
                    & ~Q(stated_posting_number="")
                ),
                name="confirmation_method_has_its_evidence",
            ),
            # Nobody checks their own work (rule 4).
            models.CheckConstraint(
                condition=Q(confirmer_staff__isnull=True) | ~Q(confirmer_staff=models.F("maker")),
                name="confirmation_confirmer_is_not_maker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.confirmed_at:%Y-%m-%d %H:%M}"


class ReadbackAnswer(models.TextChoices):
    CONFIRMED = "confirmed", _("求職者が確認した")
    BIRTH_DATE_MISMATCH = "birth_date_mismatch", _("生年月日が一致しなかった")
    DECLINED = "declined", _("求職者が「違う」を選んだ")


class DisplayReadback(models.Model):
    """One read-back a clerk sent to a counter display, and the seeker's answer on it
    (rule 3). The display shows it for READBACK_SECONDS at most; a confirmed answer is good
    for an in-person confirmation of the same referral for SEEKER_ANSWER_MINUTES. What the
    seeker typed is never kept, only whether it matched."""

    Answer = ReadbackAnswer
    READBACK_SECONDS = 120
    SEEKER_ANSWER_MINUTES = 10

    display = models.ForeignKey(
        CounterDisplay,
        on_delete=models.PROTECT,
        related_name="readbacks",
        verbose_name=_("求職者用画面"),
    )
    referral = models.ForeignKey(
        ReferralLetter,
        on_delete=models.PROTECT,
        related_name="readbacks",
        verbose_name=_("紹介状"),
    )
    sent_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("表示した職員")
    )
    sent_at = models.DateTimeField(_("送信日時"))
    # When the display first drew it (the seeker's name was then on the screen).
    shown_at = models.DateTimeField(_("画面に表示"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    answer = models.CharField(
        _("求職者の回答"), max_length=24, choices=ReadbackAnswer.choices, blank=True
    )
    # Taken off the display unanswered: a newer read-back replaced it.
    cleared_at = models.DateTimeField(_("表示の取り消し"), null=True, blank=True)

    class Meta:
        verbose_name = _("求職者用画面での確認")
        verbose_name_plural = pgettext_lazy("plural", "求職者用画面での確認")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answer="")
                | (Q(answered_at__isnull=False) & _in("answer", ReadbackAnswer)),
                name="displayreadback_answer_has_time",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(cleared_at__isnull=True),
                name="displayreadback_answered_or_cleared",
            ),
            # One read-back waiting on a display at a time.
            models.UniqueConstraint(
                fields=["display"],
                condition=Q(answered_at__isnull=True, cleared_at__isnull=True),
                name="displayreadback_one_waiting_per_display",
            ),
        ]
        indexes = [models.Index(fields=["referral", "-sent_at"], name="readback_referral_sent")]

    def __str__(self) -> str:
        label = _("求職者用画面での確認")
        return f"{label} #{self.pk}"


class ApprovalStatement(models.Model):
    """A supervisor's statement of the posting the seeker asked for, and where it was heard
    (rule 4): step 1 of the approval screen. The approve step needs a matching one by the
    same supervisor for the same referral within STATEMENT_MINUTES."""

    Source = ApprovalSource
    STATEMENT_MINUTES = 10

    referral = models.ForeignKey(
        ReferralLetter,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("紹介状"),
    )
    supervisor = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("述べた統括官")
    )
    stated_posting_number = models.CharField(_("述べた求人番号"), max_length=20)
    source = models.CharField(_("聴取の方法"), max_length=16, choices=ApprovalSource.choices)
    stated_at = models.DateTimeField(_("日時"))
    matched = models.BooleanField(_("一致"))

    class Meta:
        verbose_name = _("統括官の照合")
        verbose_name_plural = pgettext_lazy("plural", "統括官の照合")
        ordering = ["-stated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("source", ApprovalSource), name="approvalstatement_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(stated_posting_number=""), name="approvalstatement_number_given"
            ),
        ]
        indexes = [
            models.Index(
                fields=["referral", "supervisor", "-stated_at"], name="statement_referral_sup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stated_posting_number} {self.stated_at:%Y-%m-%d %H:%M}"


class DisplayPairingAttempt(models.Model):
    """A pairing code typed into a display's browser: the guessing limit counts these rows
    (across processes). What was typed is not kept; `ip` is where guesses are counted from
    (an IPv4 address, or an IPv6 address's /64)."""

    at = models.DateTimeField(_("日時"), db_index=True)
    ip = models.CharField(_("接続元"), max_length=45, blank=True)
    display = models.ForeignKey(
        CounterDisplay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ペアリングした画面"),
    )

    class Meta:
        verbose_name = _("ペアリングの試行")
        verbose_name_plural = pgettext_lazy("plural", "ペアリングの試行")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["ip", "at"], name="pairing_attempt_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}"


class Disclosure(models.Model):
    """What one employer is (or was going to be) shown of one referral: rule 7.

    Created only by the issuing service, in the transaction of the confirmation it rests
    on. The snapshot fields are exactly what the employer sees; nothing else about the
    seeker ever reaches the my page.
    """

    referral = models.OneToOneField(
        ReferralLetter,
        on_delete=models.PROTECT,
        related_name="disclosure",
        verbose_name=_("紹介状"),
    )
    confirmation = models.OneToOneField(
        Confirmation, on_delete=models.PROTECT, related_name="disclosure", verbose_name=_("確認")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="disclosures",
        verbose_name=_("事業所"),
    )
    # The only id of a disclosure that ever appears in a my-page URL: opaque, unguessable.
    public_id = models.UUIDField(_("公開ID"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("作成日時"))
    visible_at = models.DateTimeField(_("表示開始"))
    recalled_at = models.DateTimeField(_("保留中の取消"), null=True, blank=True)
    retracted_at = models.DateTimeField(_("撤回"), null=True, blank=True)
    # When the establishment's members were told by e-mail that an applicant arrived.
    notified_at = models.DateTimeField(_("到着通知の送信日時"), null=True, blank=True)
    # When they were told by e-mail that the applicant was withdrawn (rule 8), so that the
    # notice on the my page is read and acknowledged.
    withdrawal_notified_at = models.DateTimeField(_("撤回の通知の送信日時"), null=True, blank=True)
    # When the retention command erased the snapshot's personal data (after RETENTION_DAYS).
    erased_at = models.DateTimeField(_("保存期間経過による消去"), null=True, blank=True)
    # Rule 11: hidden from the establishment the moment it reported the applicant as
    # unexpected, until a supervisor retracts it or restores it (then back to null).
    quarantined_at = models.DateTimeField(_("報告による非表示"), null=True, blank=True)
    # When the establishment's members were e-mailed that a reported applicant was restored.
    restore_notified_at = models.DateTimeField(_("再表示の通知の送信日時"), null=True, blank=True)
    # The snapshot: emptied on retraction (rule 8) and by the retention command.
    seeker_name = models.CharField(_("氏名"), max_length=100, blank=True)
    seeker_kana = models.CharField(_("氏名（カナ）"), max_length=100, blank=True)
    seeker_age = models.PositiveSmallIntegerField(_("年齢"), null=True, blank=True)
    posting_number = models.CharField(_("求人番号"), max_length=20)
    posting_title = models.CharField(_("職種"), max_length=200)
    referral_date = models.DateField(_("紹介日"))
    referral_code = models.CharField(_("紹介コード"), max_length=13, unique=True)

    class Meta:
        verbose_name = _("求人者への開示")
        verbose_name_plural = pgettext_lazy("plural", "求人者への開示")
        ordering = ["-visible_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visible_at__gte=models.F("created_at")),
                name="disclosure_visible_after_created",
            ),
            models.CheckConstraint(
                condition=Q(recalled_at__isnull=True) | Q(retracted_at__isnull=True),
                name="disclosure_recalled_or_retracted_not_both",
            ),
            # The arrival e-mail goes out once the applicant is visible, and never for a
            # disclosure recalled within the hold.
            models.CheckConstraint(
                condition=Q(notified_at__isnull=True)
                | Q(notified_at__gte=models.F("visible_at"), recalled_at__isnull=True),
                name="disclosure_notified_when_visible",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal_notified_at__isnull=True)
                | Q(
                    retracted_at__isnull=False,
                    withdrawal_notified_at__gte=models.F("retracted_at"),
                ),
                name="disclosure_withdrawal_notified_when_retracted",
            ),
            # Rule 8: a retracted disclosure keeps no personal data of the seeker.
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True)
                | Q(seeker_name="", seeker_kana="", seeker_age__isnull=True),
                name="disclosure_retracted_is_erased",
            ),
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True)
                | Q(retracted_at__gte=models.F("visible_at")),
                name="disclosure_retracted_after_visible",
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True)
                | Q(seeker_name="", seeker_kana="", seeker_age__isnull=True),
                name="disclosure_erased_is_empty",
            ),
            # Only what an employer could see is hidden on its word (rule 11).
            models.CheckConstraint(
                condition=Q(quarantined_at__isnull=True)
                | Q(recalled_at__isnull=True, quarantined_at__gte=models.F("visible_at")),
                name="disclosure_quarantined_when_visible",
            ),
        ]
        indexes = [
            # The applicant list (selectors.applicants_for_member) and its count and posting
            # filter: the visible rows of one establishment, newest first, in the list's
            # order, with what the count's join and the posting filter read, so those two
            # are index-only scans (docs/PERFORMANCE.md).
            models.Index(
                fields=["establishment", "-visible_at", "-id"],
                include=["referral", "posting_number", "posting_title"],
                condition=Q(recalled_at__isnull=True, retracted_at__isnull=True),
                name="disclosure_visible_list",
            ),
            models.Index(
                fields=["visible_at"],
                condition=Q(notified_at__isnull=True),
                name="disclosure_to_notify",
            ),
            models.Index(
                fields=["retracted_at"],
                condition=Q(retracted_at__isnull=False, withdrawal_notified_at__isnull=True),
                name="disclosure_withdrawn_unsent",
            ),
        ]

    def __str__(self) -> str:
        label = _("開示")
        return f"{label} #{self.pk}"


class AlertKind(models.TextChoices):
    CODE_MISMATCH = "code_mismatch", _("紹介コード照会の不一致")
    MISDELIVERY_REPORT = "misdelivery_report", _("求人者からの誤送付の申告")
    CAUGHT_MISMATCH = "caught_mismatch", _("確認で止まった不一致")
    RETRACT_REORDER = "retract_reorder", _("取消直後の別事業所への再入力")
    REFERRAL_LOCKED = "referral_locked", _("確認の不一致が重なり紹介をロック")
    CLERK_MISMATCHES = "clerk_mismatches", _("一人の職員の紹介で、1日に不一致が重なった")
    REGISTRY_CHANGED = "registry_changed", _("承認待ち・表示前の紹介の登録情報が変更された")
    PROTECTED_DISCLOSURE = "protected_disclosure", _("保護した求職者の、紹介できない事業所への開示")


class AlertSettlement(models.TextChoices):
    """What settled the thing an alert points at, closing the alert by itself (rule 12)."""

    RETRACTED = "retracted", _("撤回の承認")
    RESTORED = "restored", _("申告の確認と再表示")
    APPROVED = "approved", _("統括官の承認による発行")
    VOIDED = "voided", _("紹介状の取消")


class AlertSeverity(models.TextChoices):
    """DESIGN.md rule 12."""

    CRITICAL = "critical", _("重大")
    WARNING = "warning", _("注意")
    INFO = "info", _("情報")


# The severity each kind of alert is raised with (rule 12).
ALERT_SEVERITY = {
    AlertKind.CODE_MISMATCH: AlertSeverity.CRITICAL,
    AlertKind.MISDELIVERY_REPORT: AlertSeverity.CRITICAL,
    AlertKind.REFERRAL_LOCKED: AlertSeverity.CRITICAL,
    AlertKind.PROTECTED_DISCLOSURE: AlertSeverity.CRITICAL,
    AlertKind.REGISTRY_CHANGED: AlertSeverity.WARNING,
    AlertKind.RETRACT_REORDER: AlertSeverity.WARNING,
    AlertKind.CLERK_MISMATCHES: AlertSeverity.WARNING,
    AlertKind.CAUGHT_MISMATCH: AlertSeverity.INFO,
}


class Alert(models.Model):
    """Something a supervisor of the office must look at."""

    Kind = AlertKind

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("安定所")
    )
    kind = models.CharField(_("種類"), max_length=32, choices=AlertKind.choices)
    severity = models.CharField(_("重大度"), max_length=16, choices=AlertSeverity.choices)
    created_at = models.DateTimeField(_("発生日時"), db_index=True)
    referral = models.ForeignKey(
        ReferralLetter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("紹介状"),
    )
    # A clerk_mismatches alert: the staff member whose letters the checks kept stopping.
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("対象の職員"),
    )
    # Ids, numbers and what was compared: never names.
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(
        pgettext_lazy("alert", "確認日時"), null=True, blank=True
    )
    acknowledged_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("解決日時"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(_("対応の記録"), blank=True)
    # When the office's managers were told that it stayed open too long (once).
    escalated_at = models.DateTimeField(_("所長への通知"), null=True, blank=True)
    # A critical alert: when every supervisor of the office was e-mailed (rule 11; sent on
    # commit, retried by the worker while empty).
    notified_at = models.DateTimeField(_("統括官への通知"), null=True, blank=True)
    # Closed by itself (rule 12): what settled what it points at.
    settled_by = models.CharField(
        _("解決のきっかけ"), max_length=32, choices=AlertSettlement.choices, blank=True
    )

    class Meta:
        verbose_name = _("アラート")
        verbose_name_plural = pgettext_lazy("plural", "アラート")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=_in("kind", AlertKind), name="alert_kind_valid"),
            models.CheckConstraint(
                condition=_in("severity", AlertSeverity), name="alert_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(settled_by="")
                | (_in("settled_by", AlertSettlement) & Q(resolved_at__isnull=False)),
                name="alert_settled_is_resolved",
            ),
            models.CheckConstraint(
                condition=Q(kind="clerk_mismatches", staff__isnull=False)
                | (~Q(kind="clerk_mismatches") & Q(staff__isnull=True)),
                name="alert_staff_only_for_clerk_mismatches",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False),
                name="alert_resolved_has_who",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_has_who",
            ),
            # Resolving acknowledges too, and says what was done.
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | (Q(acknowledged_at__isnull=False) & ~Q(resolution_note="")),
                name="alert_resolved_is_acknowledged_with_note",
            ),
        ]
        indexes = [models.Index(fields=["office", "resolved_at"], name="alert_office_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class SelectionOutcome(models.TextChoices):
    HIRED = "hired", _("採用")
    NOT_HIRED = "not_hired", _("不採用")


class NotHiredReason(models.TextChoices):
    # 辞退 is recorded as 不採用 with this reason, as on the back of the letter and in the
    # official my page's two values (docs/hello-work-practice.md section 4; DECISIONS.md).
    APPLICANT_WITHDREW = "applicant_withdrew", _("応募者が辞退した")
    EXPERIENCE = "experience", _("経験・技能が求人の条件に合わなかった")
    QUALIFICATION = "qualification", _("必要な資格・免許がなかった")
    POSITION_FILLED = "position_filled", _("採用予定人数に達した")
    NO_SHOW = "no_show", _("面接などに来なかった")
    OTHER = "other", _("その他")


class ResultRoute(models.TextChoices):
    """How a selection result reached Hello Work. Only the my page is the employer's own
    hand; every other route is typed by a clerk from what was received."""

    MYPAGE = "mypage", _("求人者マイページ")
    PAPER = "paper", _("書面（紹介状の裏面の郵送・持参）")
    FAX = "fax", _("FAX")
    PHONE = "phone", _("電話")
    SEEKER = "seeker", _("求職者本人の申し出（辞退）")


# The routes on which the employer's person who gave the result is named (free text).
ROUTES_WITH_GIVER = (ResultRoute.PAPER, ResultRoute.FAX, ResultRoute.PHONE)


class SelectionResult(models.Model):
    """The 採用 / 不採用 of one referral, by whichever route it came: the employer's my page
    (`recorded_by_member`) or a clerk typing a result received on paper, by fax or phone,
    or a seeker's own withdrawal at the counter (`recorded_by_staff`). A correction, by
    either side, adds a row pointing at the one it corrects, so the history is a single
    line per referral and its last row is current."""

    Outcome = SelectionOutcome
    NotHiredReason = NotHiredReason
    Route = ResultRoute

    referral = models.ForeignKey(
        ReferralLetter, on_delete=models.PROTECT, related_name="results", verbose_name=_("紹介状")
    )
    result = models.CharField(_("選考結果"), max_length=16, choices=SelectionOutcome.choices)
    start_date = models.DateField(_("入社予定日"), null=True, blank=True)
    not_hired_reason = models.CharField(
        _("不採用の理由"), max_length=32, choices=NotHiredReason.choices, blank=True
    )
    conditions_differ = models.BooleanField(_("求人票と採用条件の相違"))
    conditions_difference = models.TextField(_("相違の内容"), blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("訂正した記録"),
    )
    route = models.CharField(_("受付の方法"), max_length=16, choices=ResultRoute.choices)
    # The employer's person who gave the result on paper, fax or phone, as the clerk heard or
    # read it; empty on the my page (the member is the recorder) and from the seeker.
    given_by = models.CharField(_("連絡した人（事業所）"), max_length=100, blank=True)
    recorded_by_member = models.ForeignKey(
        EmployerMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録した人（求人者）"),
    )
    recorded_by_staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録した職員"),
    )
    recorded_at = models.DateTimeField(_("記録日時"))
    # Set when a retraction erased the free text (rule 8): 相違あり stays, its words go.
    erased_at = models.DateTimeField(_("消去日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("選考結果")
        verbose_name_plural = pgettext_lazy("plural", "選考結果")
        ordering = ["-id"]  # newest first: each row corrects the one before it
        constraints = [
            models.CheckConstraint(
                condition=_in("result", SelectionOutcome), name="selectionresult_result_valid"
            ),
            models.CheckConstraint(
                condition=Q(not_hired_reason="") | _in("not_hired_reason", NotHiredReason),
                name="selectionresult_reason_valid",
            ),
            models.CheckConstraint(
                condition=_in("route", ResultRoute), name="selectionresult_route_valid"
            ),
            # 採用 has a planned start date and no reason; 不採用 has no start date.
            models.CheckConstraint(
                condition=Q(result="hired", start_date__isnull=False, not_hired_reason="")
                | Q(result="not_hired", start_date__isnull=True),
                name="selectionresult_fields_of_result",
            ),
            # 相違あり says how; 相違なし says nothing; an erased one says nothing any more.
            models.CheckConstraint(
                condition=(Q(conditions_differ=True) & ~Q(conditions_difference=""))
                | Q(conditions_differ=False, conditions_difference="")
                | Q(erased_at__isnull=False, conditions_difference=""),
                name="selectionresult_difference_described",
            ),
            # Exactly one recorder: an employer member on the my page, a staff member on
            # every other route.
            models.CheckConstraint(
                condition=Q(
                    route=ResultRoute.MYPAGE,
                    recorded_by_member__isnull=False,
                    recorded_by_staff__isnull=True,
                )
                | (
                    ~Q(route=ResultRoute.MYPAGE)
                    & Q(recorded_by_member__isnull=True, recorded_by_staff__isnull=False)
                ),
                name="selectionresult_route_and_recorder",
            ),
            # Paper, fax and phone name who gave it; the my page and the seeker do not.
            models.CheckConstraint(
                condition=(Q(route__in=ROUTES_WITH_GIVER) & ~Q(given_by=""))
                | (~Q(route__in=ROUTES_WITH_GIVER) & Q(given_by="")),
                name="selectionresult_giver_of_route",
            ),
            # The seeker can only say that they withdrew (辞退).
            models.CheckConstraint(
                condition=~Q(route=ResultRoute.SEEKER)
                | Q(result="not_hired", not_hired_reason=NotHiredReason.APPLICANT_WITHDREW),
                name="selectionresult_seeker_only_withdraws",
            ),
            # Only one first result per referral: every later one corrects its predecessor.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(corrects__isnull=True),
                name="selectionresult_one_first_per_referral",
            ),
            models.CheckConstraint(
                condition=~Q(corrects=models.F("id")), name="selectionresult_not_correcting_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.recorded_at:%Y-%m-%d %H:%M}"

    @property
    def by_hello_work(self) -> bool:
        """Typed by a clerk from what was received (not the employer's own my page)."""
        return self.recorded_by_staff_id is not None


class CodeCheckReason(models.TextChoices):
    MATCH = "match", _("貴事業所の応募者")
    OTHER_ESTABLISHMENT = "other_establishment", _("別の事業所への紹介")
    NOT_DISCLOSED = "not_disclosed", _("マイページに開示されていない紹介")
    HELD = "held", _("表示前の保留中")
    RECALLED = "recalled", _("保留中に取り消された紹介")
    VOIDED = "voided", _("取り消された紹介状")
    RETRACTED = "retracted", _("撤回された紹介")
    UNKNOWN = "unknown", _("登録のないコード")
    MALFORMED = "malformed", _("紹介コードの形でない入力")


class CodeCheck(models.Model):
    """One referral code an employer looked up (rule 9). The rate limit counts these rows,
    so it holds across processes; what was typed is not kept, only what it matched."""

    Reason = CodeCheckReason

    member = models.ForeignKey(
        EmployerMember,
        on_delete=models.PROTECT,
        related_name="code_checks",
        verbose_name=_("照会した人"),
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="code_checks",
        verbose_name=_("事業所"),
    )
    checked_at = models.DateTimeField(_("照会日時"))
    reason = models.CharField(_("照会の結果"), max_length=32, choices=CodeCheckReason.choices)
    referral = models.ForeignKey(
        ReferralLetter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="code_checks",
        verbose_name=_("コードの紹介状"),
    )
    disclosure = models.ForeignKey(
        Disclosure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="code_checks",
        verbose_name=_("表示した応募者"),
    )
    alert = models.OneToOneField(
        Alert,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="code_check",
        verbose_name=_("アラート"),
    )

    class Meta:
        verbose_name = _("紹介コード照会")
        verbose_name_plural = pgettext_lazy("plural", "紹介コード照会")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("reason", CodeCheckReason), name="codecheck_reason_valid"
            ),
            # A match shows the applicant and alerts nobody; anything else alerts, once.
            models.CheckConstraint(
                condition=Q(reason="match", disclosure__isnull=False, alert__isnull=True)
                | (~Q(reason="match") & Q(disclosure__isnull=True, alert__isnull=False)),
                name="codecheck_match_or_alert",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["unknown", "malformed"], referral__isnull=True)
                | (~Q(reason__in=["unknown", "malformed"]) & Q(referral__isnull=False)),
                name="codecheck_referral_when_known",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "checked_at"], name="codecheck_member_at"),
            models.Index(fields=["establishment", "checked_at"], name="codecheck_estab_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.checked_at:%Y-%m-%d %H:%M}"


class MisdeliveryDecision(models.TextChoices):
    RESTORED = "restored", _("正しい紹介として再表示")
    RETRACTED = "retracted", _("撤回")


class MisdeliveryReport(models.Model):
    """An employer's "この応募者に心当たりがない" (rules 9 and 11). One per applicant: it
    hides the applicant from the establishment at once (`Disclosure.quarantined_at`), and
    the critical alert it raised waits for a supervisor's decision."""

    Decision = MisdeliveryDecision

    disclosure = models.OneToOneField(
        Disclosure,
        on_delete=models.PROTECT,
        related_name="misdelivery_report",
        verbose_name=_("応募者"),
    )
    member = models.ForeignKey(
        EmployerMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("報告した人")
    )
    note = models.TextField(_("状況"), blank=True)
    reported_at = models.DateTimeField(_("報告日時"))
    alert = models.OneToOneField(
        Alert,
        on_delete=models.PROTECT,
        related_name="misdelivery_report",
        verbose_name=_("アラート"),
    )
    # Set when a retraction erased the note (rule 8); the report itself stays.
    erased_at = models.DateTimeField(_("消去日時"), null=True, blank=True)
    # Rule 11: how a supervisor settled it (restored, or retracted through rule 8).
    decision = models.CharField(
        _("判断"), max_length=16, choices=MisdeliveryDecision.choices, blank=True
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    decided_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("判断した職員"),
    )
    decision_note = models.TextField(_("判断の理由"), blank=True)

    class Meta:
        verbose_name = _("誤送付の申告")
        verbose_name_plural = pgettext_lazy("plural", "誤送付の申告")
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | Q(note=""),
                name="misdeliveryreport_erased_has_no_note",
            ),
            # Undecided, or decided by someone at some time; a restore says why.
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True, decided_by__isnull=True)
                | (
                    _in("decision", MisdeliveryDecision)
                    & Q(decided_at__isnull=False, decided_by__isnull=False)
                ),
                name="misdeliveryreport_decision_complete",
            ),
            models.CheckConstraint(
                condition=~Q(decision="restored") | ~Q(decision_note=""),
                name="misdeliveryreport_restore_says_why",
            ),
        ]

    def __str__(self) -> str:
        label = _("誤送付の申告")
        return f"{label} {self.reported_at:%Y-%m-%d %H:%M}"


# -- when it goes wrong anyway (rule 8) --------------------------------------------------


class RetractionStatus(models.TextChoices):
    PENDING = "pending", _("承認待ち")
    APPROVED = "approved", _("承認済み（撤回）")
    REJECTED = "rejected", _("却下")


class RetractionRequest(models.Model):
    """A request to retract a disclosure an employer could already see (rule 8). Anyone of
    the office asks; a supervisor or manager who is neither the requester nor the maker
    decides. Approval erases the snapshot and opens the incident."""

    Status = RetractionStatus

    referral = models.ForeignKey(
        ReferralLetter,
        on_delete=models.PROTECT,
        related_name="retraction_requests",
        verbose_name=_("紹介状"),
    )
    requested_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("依頼した職員")
    )
    requested_at = models.DateTimeField(_("依頼日時"))
    reason = models.TextField(_("撤回の理由"))
    status = models.CharField(
        _("状態"),
        max_length=16,
        choices=RetractionStatus.choices,
        default=RetractionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("判断した職員"),
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    rejection_reason = models.TextField(_("却下の理由"), blank=True)
    # Set once, when a request left pending for RETRACTION_ESCALATION_MINUTES is e-mailed
    # to the office's managers: until it is decided, the employer can still see the data.
    escalated_at = models.DateTimeField(_("所長への通知"), null=True, blank=True)

    class Meta:
        verbose_name = _("撤回の依頼")
        verbose_name_plural = pgettext_lazy("plural", "撤回の依頼")
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("status", RetractionStatus), name="retractionrequest_status_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="retractionrequest_reason_given"),
            # Pending has no decision; a decision has who and when; a refusal says why.
            models.CheckConstraint(
                condition=Q(
                    status="pending",
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                    rejection_reason="",
                )
                | Q(
                    status="approved",
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                    rejection_reason="",
                )
                | (
                    Q(status="rejected", decided_by__isnull=False, decided_at__isnull=False)
                    & ~Q(rejection_reason="")
                ),
                name="retractionrequest_decision_complete",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True) | Q(decided_at__gte=models.F("requested_at")),
                name="retractionrequest_decided_after_requested",
            ),
            # Nobody approves their own request (rule 4's four eyes, again).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="retractionrequest_decider_is_not_requester",
            ),
            # One open request per referral, and one retraction for ever.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status__in=["pending", "approved"]),
                name="retractionrequest_one_open_or_approved",
            ),
        ]
        indexes = [
            models.Index(
                fields=["requested_at"],
                condition=Q(status="pending"),
                name="retraction_pending",
            )
        ]

    def __str__(self) -> str:
        label = _("撤回の依頼")
        return f"{label} #{self.pk} ({self.get_status_display()})"


class Incident(models.Model):
    """A personal-information incident: a disclosure retracted after the employer could see
    it (rule 8). Opened in the transaction of the retraction's approval; its tasks have
    deadlines that escalate by themselves; closed only when every task is done and the
    report is written."""

    referral = models.OneToOneField(
        ReferralLetter, on_delete=models.PROTECT, related_name="incident", verbose_name=_("紹介状")
    )
    retraction = models.OneToOneField(
        RetractionRequest,
        on_delete=models.PROTECT,
        related_name="incident",
        verbose_name=_("撤回の依頼"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("安定所")
    )
    opened_at = models.DateTimeField(_("発生の登録"), db_index=True)
    opened_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("登録した職員")
    )
    # From the audit trail at opening: did any member of the establishment see the applicant?
    employer_viewed = models.BooleanField(_("求人者の閲覧"))
    employer_acknowledged_at = models.DateTimeField(
        _("求人者の確認（控えなし）"), null=True, blank=True
    )
    employer_acknowledged_by = models.ForeignKey(
        EmployerMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した求人者"),
    )
    closed_at = models.DateTimeField(_("完了"), null=True, blank=True)
    closed_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完了した職員"),
    )
    # The report (個人データの漏えい等の報告), written by the supervisor.
    summary = models.TextField(_("概要"), blank=True)
    data_items = models.TextField(_("漏えいした個人データの項目"), blank=True)
    people_count = models.PositiveIntegerField(_("本人の数"), default=1)
    cause = models.TextField(_("発生原因"), blank=True)
    secondary_harm = models.TextField(_("二次被害の有無"), blank=True)
    response_to_people = models.TextField(_("本人への対応"), blank=True)
    publication = models.TextField(_("公表"), blank=True)
    prevention = models.TextField(_("再発防止策"), blank=True)

    REPORT_FIELDS = (
        "summary",
        "data_items",
        "people_count",
        "cause",
        "secondary_harm",
        "response_to_people",
        "publication",
        "prevention",
    )

    class Meta:
        verbose_name = _("インシデント")
        verbose_name_plural = pgettext_lazy("plural", "インシデント")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_by__isnull=True)
                | Q(closed_at__gte=models.F("opened_at"), closed_by__isnull=False),
                name="incident_closed_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(
                    employer_acknowledged_at__isnull=True, employer_acknowledged_by__isnull=True
                )
                | Q(employer_acknowledged_at__isnull=False, employer_acknowledged_by__isnull=False),
                name="incident_acknowledged_has_who",
            ),
            models.CheckConstraint(
                condition=Q(people_count__gte=1), name="incident_people_count_positive"
            ),
        ]
        indexes = [models.Index(fields=["office", "closed_at"], name="incident_office_open")]

    def __str__(self) -> str:
        label = _("インシデント")
        return f"{label} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class IncidentTaskKind(models.TextChoices):
    TELL_SEEKER = "tell_seeker", _("求職者への説明と謝罪")
    APOLOGISE = "apologise_establishment", _("事業所への謝罪と削除の確認")
    REPORT_PRELIMINARY = "report_preliminary", _("労働局への報告（速報）")
    REPORT_FINAL = "report_final", _("労働局への報告（確報）")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("電話")
    VISIT = "visit", _("訪問")
    COUNTER = "counter", _("来所時に対面")
    DOCUMENT = "document", _("文書")
    EMAIL = "email", _("電子メール")


class IncidentTask(models.Model):
    """One thing an incident obliges the office to do by a deadline. Past its deadline and
    still not done, it escalates once to the office's managers (escalate_overdue)."""

    Kind = IncidentTaskKind
    Method = ContactMethod

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("インシデント")
    )
    kind = models.CharField(_("対応"), max_length=32, choices=IncidentTaskKind.choices)
    due_at = models.DateTimeField(_("期限"))
    done_at = models.DateTimeField(_("記録日時"), null=True, blank=True)
    done_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("対応した職員"),
    )
    done_on = models.DateField(_("実施日"), null=True, blank=True)
    method = models.CharField(_("方法"), max_length=16, choices=ContactMethod.choices, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    escalated_at = models.DateTimeField(_("所長への通知"), null=True, blank=True)

    class Meta:
        verbose_name = _("インシデントの対応")
        verbose_name_plural = pgettext_lazy("plural", "インシデントの対応")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_in("kind", IncidentTaskKind), name="incidenttask_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(method="") | _in("method", ContactMethod),
                name="incidenttask_method_valid",
            ),
            models.UniqueConstraint(
                fields=["incident", "kind"], name="incidenttask_once_per_incident"
            ),
            # Done means who, when, on which day and how; not done means none of them.
            models.CheckConstraint(
                condition=Q(
                    done_at__isnull=True, done_by__isnull=True, done_on__isnull=True, method=""
                )
                | (
                    Q(done_at__isnull=False, done_by__isnull=False, done_on__isnull=False)
                    & ~Q(method="")
                ),
                name="incidenttask_done_is_complete",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(done_at__isnull=True), name="incidenttask_open_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due_at:%Y-%m-%d})"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# -- the monthly self-inspection (点検シート) ---------------------------------------------


class SelfInspectionItem(models.Model):
    """One question of the monthly check sheet, kept by the system administrator. Items are
    retired (active = False), never deleted: past sheets point at them."""

    text = models.CharField(_("点検項目"), max_length=300)
    # The English screen's wording; without it an English page shows the Japanese, marked.
    text_en = models.CharField(_("点検項目（英語）"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("自己点検の項目")
        verbose_name_plural = pgettext_lazy("plural", "自己点検の項目")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="selfinspectionitem_text_given")
        ]

    def __str__(self) -> str:
        return self.text


class SelfInspection(models.Model):
    """One staff member's check sheet for one month, submitted whole."""

    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="self_inspections",
        verbose_name=_("職員"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="self_inspections", verbose_name=_("安定所")
    )
    month = models.DateField(_("対象月"))  # the first day of the month
    submitted_at = models.DateTimeField(_("提出日時"))
    note = models.TextField(_("所見・対応"), blank=True)

    class Meta:
        verbose_name = _("自己点検")
        verbose_name_plural = pgettext_lazy("plural", "自己点検")
        ordering = ["-month", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "month"], name="selfinspection_once_a_month"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="selfinspection_month_is_first_day"
            ),
        ]
        indexes = [models.Index(fields=["office", "month"], name="selfinspection_office_month")]

    def __str__(self) -> str:
        label = _("自己点検")
        return f"{label} {self.month:%Y-%m}"


class SelfInspectionAnswer(models.Model):
    inspection = models.ForeignKey(
        SelfInspection, on_delete=models.PROTECT, related_name="answers", verbose_name=_("自己点検")
    )
    item = models.ForeignKey(
        SelfInspectionItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("点検項目")
    )
    item_text = models.CharField(_("点検項目（回答時）"), max_length=300)
    item_text_en = models.CharField(_("点検項目（回答時、英語）"), max_length=300, blank=True)
    ok = models.BooleanField(_("できている"))

    class Meta:
        verbose_name = _("自己点検の回答")
        verbose_name_plural = pgettext_lazy("plural", "自己点検の回答")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"], name="selfinspectionanswer_once_per_item"
            )
        ]

    def __str__(self) -> str:
        return self.item_text
