"""The safety invariants, checked after every step of random sequences of actions.

A Hypothesis state machine drives the real services (no mocks) over a small world: two
offices, clerks, supervisors and a manager, establishments with and without a my page
(two of them with names that read alike), seekers, postings and employer members. Every
rule calls one service with arguments picked at random, right or wrong; a refusal is an
expected outcome, not a failure. After every step the invariants of the issue are checked
against the database. `make test` runs a few examples, `.ci/run` the `ci` profile
(`--hypothesis-profile ci`), `make invariants` the `deep` one.

The machine keeps its own small model of what must be true (the seekers' decisions, the
codes ever assigned, the audit trail's length), and compares the database with it.
"""

import datetime
import itertools
import sys
from collections import Counter

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice
from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from hellowork import audit, audit_sealer, db_roles
from hellowork import services as registry
from hellowork.identifiers import normalize
from hellowork.models import AuditEvent, JobPosting, Office, SeekerProtection, StaffRole
from referrals import codes, lifecycle, selectors, services
from referrals.models import (
    Alert,
    Consultation,
    Disclosure,
    DisplayReadback,
    EmployerCall,
    Incident,
    MisdeliveryReport,
    PostingInterest,
    ReferralLetter,
    RetractionRequest,
    SelectionResult,
)
from referrals.services import containment, incidents
from tests import factories

REFUSED = (ValidationError, PermissionDenied)
START = datetime.datetime(2026, 6, 9, 0, 30, tzinfo=datetime.UTC)  # 09:30 in Tokyo
index = st.integers(min_value=0, max_value=1_000)


def pick(items, i):
    return items[i % len(items)]


# What a run did, for its report: examples, steps, and service calls done or refused.
TALLY: Counter[str] = Counter()


class ReferralMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        TALLY["examples"] += 1
        TALLY["steps"] -= 1  # the invariants are also checked once before the first step

    @initialize(
        plans=st.lists(
            st.tuples(
                index, index, st.booleans(), st.lists(index, min_size=1, max_size=3), st.booleans()
            ),
            min_size=1,
            max_size=3,
        )
    )
    def build_world(self, plans):
        # Everything an example does is rolled back when it ends (teardown).
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(START, tick=False)
        self.traveller = self.clock.start()

        self.unreached_allowed: list[tuple[datetime.datetime, str, bool]] = []
        koriyama = factories.OfficeFactory(code="0704", name="ハローワーク郡山")
        fukushima = factories.OfficeFactory(code="0701", name="ハローワーク福島")
        # Every person has a fixed, distinct name: nothing random outside Hypothesis's
        # draws, and no seeker shares a name with the staff or the employers.
        roles = [
            (koriyama, StaffRole.CLERK),
            (koriyama, StaffRole.CLERK),
            (koriyama, StaffRole.SUPERVISOR),
            (koriyama, StaffRole.MANAGER),
            (fukushima, StaffRole.CLERK),
            (fukushima, StaffRole.SUPERVISOR),
        ]
        self.staff = [
            factories.StaffMemberFactory(office=office, role=role, user__name=f"職員 {i}号")
            for i, (office, role) in enumerate(roles, start=1)
        ]
        establishments = [
            factories.EstablishmentFactory(
                office=koriyama, name="株式会社あさひ物流", has_mypage=True
            ),
            factories.EstablishmentFactory(
                office=koriyama, name="株式会社朝日物流", has_mypage=True
            ),
            factories.EstablishmentFactory(
                office=koriyama, name="有限会社安積フーズ", has_mypage=False
            ),
            factories.EstablishmentFactory(
                office=fukushima, name="株式会社吾妻電子", has_mypage=True
            ),
        ]
        self.postings = [
            factories.JobPostingFactory(establishment=establishment)
            for establishment in establishments
            for _ in range(2)
        ]
        self.postings[-1].status = JobPosting.Status.CLOSED
        self.postings[-1].save()
        self.seekers = [
            factories.JobSeekerFactory(office=office, name=name, kana=kana)
            for office, name, kana in [
                (koriyama, "求職 一郎", "キュウショク イチロウ"),
                (koriyama, "求職 花子", "キュウショク ハナコ"),
                (fukushima, "求職 三郎", "キュウショク サブロウ"),
            ]
        ]
        # Seeker-facing displays: one per office's desk, and a retired one at Koriyama.
        self.displays = [
            factories.CounterDisplayFactory(office=koriyama, label="第1窓口"),
            factories.CounterDisplayFactory(office=fukushima, label="第1窓口"),
            factories.CounterDisplayFactory(office=koriyama, label="旧窓口"),
        ]
        retired = self.displays[-1]
        retired.retired_at, retired.retired_by = timezone.now(), retired.created_by
        retired.save()
        self.members = [
            factories.EmployerMemberFactory(
                establishment=establishment, is_primary=True, user__name=f"採用担当 {i}号"
            )
            for i, establishment in enumerate((e for e in establishments if e.has_mypage), start=1)
        ]
        self.establishments = establishments
        # Rule 13: who may edit the registry, and the machine's model of the protections: for
        # each (seeker, establishment) excluded now, the letters issued to it before.
        self.admin = factories.UserFactory(is_staff=True, is_superuser=True, name="管理 担当")
        self.excluded: dict[tuple[int, int], set[int]] = {}
        self.decisions: dict[tuple[int, int], str] = {}  # (consultation, posting) → decision
        self.codes_seen: dict[int, str] = {}  # referral → the code it was given
        self.audit_length = AuditEvent.objects.count()
        self.start_at_the_counter(plans)

    def start_at_the_counter(self, plans):
        """A head start, through the services too: consultations where the seeker wants
        some postings, and a draft for each, so the steps explore what follows."""
        for seeker, staff, in_person, postings, issue in plans:
            clerk = pick(self.staff, staff)
            consultation = services.consultation_open(
                seeker=pick(self.seekers, seeker),
                staff=clerk,
                in_person=in_person,
                display=self.desk_of(clerk.office_id) if in_person else None,
            )
            for posting_index in postings:
                posting = pick(self.postings, posting_index)
                try:
                    services.interest_record(
                        consultation=consultation, posting=posting, decision="apply", staff=clerk
                    )
                    self.decisions[(consultation.pk, posting.pk)] = "apply"
                    referral = services.referral_draft(
                        consultation=consultation, posting=posting, staff=clerk
                    )
                    services.employer_call_record(
                        referral=referral, staff=clerk, reached=True, accepting=True
                    )
                    if issue:
                        services.display_show(referral=referral, staff=clerk)
                        services.display_seeker_confirm(
                            display=consultation.display,
                            referral=referral,
                            seeker_birth_date=consultation.seeker.birth_date,
                        )
                        services.referral_confirm_in_session(
                            referral=referral,
                            staff=clerk,
                            posting_digits=posting.number.replace("-", "")[-4:],
                        )
                except REFUSED:
                    pass  # a closed posting, a second letter for one posting: fine
        self.audit_length = AuditEvent.objects.count()
        # The machine's model of each letter's status, to check every change it sees.
        self.statuses = dict(ReferralLetter.objects.values_list("pk", "status"))

    def teardown(self):
        if hasattr(self, "atomic"):
            self.clock.stop()
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    # -- helpers --------------------------------------------------------------------

    def desk_of(self, office_id):
        return next(d for d in self.displays if d.office_id == office_id and d.retired_at is None)

    def consultations(self):
        return list(Consultation.objects.order_by("pk"))

    def referrals(self):
        return list(ReferralLetter.objects.select_related("posting", "consultation").order_by("pk"))

    def disclosures(self):
        return list(Disclosure.objects.order_by("pk"))

    def checker(self, referral, i, aim, *, not_ids):
        """When `aim`, a supervisor or manager of the referral's office other than not_ids;
        otherwise anyone at all, who the service must refuse when they may not decide."""
        if aim:
            return self.colleague(referral.consultation.office_id, i, checker=True, not_ids=not_ids)
        return pick(self.staff, i)

    def colleague(self, office_id, i, *, checker=False, not_ids=()):
        """Staff of that office (supervisors or managers when `checker`), avoiding not_ids."""
        candidates = [
            s
            for s in self.staff
            if s.office_id == office_id and (not checker or s.can_approve) and s.pk not in not_ids
        ]
        return pick(candidates or self.staff, i)

    def expect_trace(self, grew: bool):
        """Every successful call and every caught mismatch adds to the trail; nothing
        ever removes from it."""
        length = AuditEvent.objects.count()
        assert length >= self.audit_length, "the audit trail shrank"
        if grew:
            assert length > self.audit_length, "a successful call left no trace"
        self.audit_length = length

    def call(self, name, action, *, records_refusal: bool = False):
        """Runs one service call; a refusal is an outcome like any other."""
        alerts_before = Alert.objects.count()
        try:
            result = action()
        except REFUSED as refusal:
            note(f"{name} refused: {refusal}")
            caught = records_refusal and Alert.objects.count() > alerts_before
            self.expect_trace(grew=caught)
            event(f"{name}: refused" + (" (caught mismatch)" if caught else ""))
            TALLY["refused"] += 1
            TALLY[f"{name} refused"] += 1
            return None
        self.expect_trace(grew=True)
        event(f"{name}: done")
        TALLY["done"] += 1
        TALLY[f"{name} done"] += 1
        return result

    # -- the counter ----------------------------------------------------------------

    @precondition(lambda self: Consultation.objects.count() < 6)  # a small world, deeply explored
    @rule(
        seeker=index,
        staff=index,
        in_person=st.booleans(),
        display=st.sampled_from(["own desk", "own desk", "any", "none"]),
    )
    def open_consultation(self, seeker, staff, in_person, display):
        by = pick(self.staff, staff)
        chosen = {
            "own desk": self.desk_of(by.office_id),
            "any": pick(self.displays, seeker + staff),  # another office's, or a retired one
            "none": None,
        }[display]
        done = self.call(
            "consultation_open",
            lambda: services.consultation_open(
                seeker=pick(self.seekers, seeker), staff=by, in_person=in_person, display=chosen
            ),
        )
        if done is not None and in_person:
            chosen.refresh_from_db()
            assert chosen.office_id == by.office_id
            assert chosen.retired_at is None, "a consultation opened at a retired display"

    @precondition(lambda self: Consultation.objects.exists())
    @rule(
        consultation=index,
        posting=index,
        staff=index,
        aim=st.booleans(),
        decision=st.sampled_from(["apply", "apply", "declined", "considering", "maybe"]),
    )
    def record_interest(self, consultation, posting, staff, aim, decision):
        consultation = pick(self.consultations(), consultation)
        posting = pick(self.postings, posting)
        by = self.colleague(consultation.office_id, staff) if aim else pick(self.staff, staff)
        done = self.call(
            "interest_record",
            lambda: services.interest_record(
                consultation=consultation, posting=posting, decision=decision, staff=by
            ),
        )
        if done is not None:
            self.decisions[(consultation.pk, posting.pk)] = decision

    @precondition(lambda self: Consultation.objects.exists())
    @rule(consultation=index, posting=index, staff=index, aim=st.booleans())
    def draft(self, consultation, posting, staff, aim):
        wanted = [pair for pair, decision in self.decisions.items() if decision == "apply"]
        if aim and wanted:  # a posting the seeker wants, by a clerk of the office
            consultation_id, posting_id = pick(wanted, posting)
            consultation = Consultation.objects.get(pk=consultation_id)
            target = JobPosting.objects.get(pk=posting_id)
            by = self.colleague(consultation.office_id, staff)
        else:
            consultation = pick(self.consultations(), consultation)
            target, by = pick(self.postings, posting), pick(self.staff, staff)
        consultations_before = Consultation.objects.count()
        self.call(
            "referral_draft",
            lambda: services.referral_draft(consultation=consultation, posting=target, staff=by),
        )
        assert Consultation.objects.count() == consultations_before, "drafting made a consultation"

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(
        referral=index,
        staff=index,
        aim=st.booleans(),
        outcome=st.sampled_from(
            ["accepting", "accepting", "closed", "evening", "other", "other, no words"]
        ),
    )
    def call_the_employer(self, referral, staff, aim, outcome):
        """Issue 20: the call before issue, any outcome, by anyone."""
        referral = pick(self.referrals(), referral)
        by = (
            self.colleague(referral.consultation.office_id, staff)
            if aim
            else pick(self.staff, staff)
        )
        arguments = {
            "accepting": {"reached": True, "accepting": True, "interview_place": "本社"},
            "closed": {"reached": True, "accepting": False},
            "evening": {"reached": False, "unreached_reason": "evening"},
            "other": {"reached": False, "unreached_reason": "other", "unreached_note": "不在"},
            "other, no words": {"reached": False, "unreached_reason": "other"},
        }[outcome]
        self.call(
            "employer_call_record",
            lambda: services.employer_call_record(referral=referral, staff=by, **arguments),
        )

    @rule(office=st.sampled_from(["0704", "0701"]), allowed=st.booleans())
    def an_office_changes_its_unreached_setting(self, office, allowed):
        """Issue 20: the office's setting to issue without reaching the employer (the admin's
        master data), kept with the time it changed for the invariant."""
        Office.objects.filter(code=office).update(issues_without_call=allowed)
        self.unreached_allowed.append((timezone.now(), office, allowed))

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(referral=index, staff=index, aim=st.booleans())
    def show_on_the_display(self, referral, staff, aim):
        referral = pick(self.referrals(), referral)
        office = referral.consultation.office_id
        by = self.colleague(office, staff) if aim else pick(self.staff, staff)
        self.call("display_show", lambda: services.display_show(referral=referral, staff=by))

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(
        referral=index,
        display=index,
        aim=st.booleans(),
        answer=st.sampled_from(["right birth date", "right birth date", "wrong", "not this"]),
    )
    def seeker_answers(self, referral, display, aim, answer):
        """The seeker at the consultation's display, or someone at any display, answers."""
        referral = pick(self.referrals(), referral)
        consultation = referral.consultation
        at = consultation.display if aim and consultation.display else pick(self.displays, display)
        at.refresh_from_db()
        born = consultation.seeker.birth_date
        if answer == "not this":
            action = lambda: services.display_seeker_decline(display=at, referral=referral)  # noqa: E731
        else:
            typed = born if answer == "right birth date" else born + datetime.timedelta(days=1)
            action = lambda: services.display_seeker_confirm(  # noqa: E731
                display=at, referral=referral, seeker_birth_date=typed
            )
        done = self.call("display_seeker_answer", action, records_refusal=True)
        if done is not None:
            assert answer == "right birth date", "a wrong answer on the display was accepted"
            assert at.pk == consultation.display_id, "another desk's display answered"

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(referral=index, staff=index, aim=st.booleans(), right_digits=st.booleans())
    def confirm(self, referral, staff, aim, right_digits):
        referral = pick(self.referrals(), referral)
        office = referral.consultation.office_id
        by = self.colleague(office, staff) if aim else pick(self.staff, staff)
        digits = referral.posting.number.replace("-", "")[-4:]
        if not right_digits:
            digits = f"{(int(digits) + 1) % 10_000:04d}"
        key = (referral.consultation_id, referral.posting_id)
        wanted = self.decisions.get(key) == "apply"
        done = self.call(
            "referral_confirm_in_session",
            lambda: services.referral_confirm_in_session(
                referral=referral, staff=by, posting_digits=digits
            ),
            records_refusal=True,
        )
        if done is not None:
            assert right_digits, "a wrong re-entry issued a letter"
            assert wanted, "a letter was issued without the seeker's apply"

    @rule(display=index, supervisor=index)
    def retire_a_display(self, display, supervisor):
        display = pick(self.displays, display)
        by = self.colleague(display.office_id, supervisor, checker=True)
        done = self.call(
            "display_retire", lambda: services.display_retire(display=display, supervisor=by)
        )
        display.refresh_from_db()
        if done is not None:
            # The desk gets a new display, as a supervisor would register and pair one.
            self.displays.append(
                factories.CounterDisplayFactory(
                    office_id=display.office_id, label=f"新窓口{display.pk}", created_by=by
                )
            )

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(referral=index, staff=index, aim=st.booleans())
    def submit(self, referral, staff, aim):
        referral = pick(self.referrals(), referral)
        office = referral.consultation.office_id
        by = self.colleague(office, staff) if aim else pick(self.staff, staff)
        self.call("referral_submit", lambda: services.referral_submit(referral=referral, staff=by))

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(
        referral=index,
        supervisor=index,
        aim=st.booleans(),
        statement=st.sampled_from(["right", "right", "other posting", "full width", "garbage"]),
        source=st.sampled_from(["callback", "seeker_present", "written", "", "hearsay"]),
    )
    def approve(self, referral, supervisor, aim, statement, source):
        referral = pick(self.referrals(), referral)
        makers = (referral.drafted_by_id, referral.submitted_by_id)
        checker = self.checker(referral, supervisor, aim, not_ids=makers)
        number = referral.posting.number
        stated = {
            "right": number,
            "other posting": self.postings[
                ([p.pk for p in self.postings].index(referral.posting_id) + 1) % len(self.postings)
            ].number,
            "full width": number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－")),
            "garbage": "DROP TABLE",
        }[statement]
        key = (referral.consultation_id, referral.posting_id)
        wanted = self.decisions.get(key) == "apply"
        done = self.call(
            "referral_approve",
            lambda: services.referral_approve(
                referral=referral,
                supervisor=checker,
                stated_posting_number=stated,
                source=source,
            ),
            records_refusal=True,
        )
        if done is not None:
            assert normalize(stated) == number, "an approval issued on a wrong statement"
            assert source in ("callback", "seeker_present", "written"), "no source, yet approved"
            assert wanted, "an approval issued a letter without the seeker's apply"

    @precondition(lambda self: ReferralLetter.objects.filter(status="pending_approval").exists())
    @rule(
        referral=index, supervisor=index, aim=st.booleans(), reason=st.sampled_from(["", "要確認"])
    )
    def reject(self, referral, supervisor, aim, reason):
        referral = pick(list(ReferralLetter.objects.filter(status="pending_approval")), referral)
        makers = (referral.drafted_by_id, referral.submitted_by_id)
        checker = self.checker(referral, supervisor, aim, not_ids=makers)
        self.call(
            "referral_reject",
            lambda: services.referral_reject(referral=referral, supervisor=checker, reason=reason),
        )

    @precondition(lambda self: ReferralLetter.objects.exists())
    @rule(referral=index, staff=index, reason=st.sampled_from(["", "入力誤り"]))
    def void(self, referral, staff, reason):
        self.call(
            "referral_void",
            lambda: services.referral_void(
                referral=pick(self.referrals(), referral),
                staff=pick(self.staff, staff),
                reason=reason,
            ),
        )

    @precondition(lambda self: Consultation.objects.exists())
    @rule(consultation=index, staff=index)
    def close(self, consultation, staff):
        self.call(
            "consultation_close",
            lambda: services.consultation_close(
                consultation=pick(self.consultations(), consultation), staff=pick(self.staff, staff)
            ),
        )

    @precondition(lambda self: Consultation.objects.count() >= 2)
    @rule(source=index, into=index, staff=index)
    def merge(self, source, into, staff):
        consultations = self.consultations()
        source, target = pick(consultations, source), pick(consultations, into)
        before = {r.pk: (r.status, r.code) for r in self.referrals()}
        interests = {
            (i.consultation_id, i.posting_id): i.decision for i in PostingInterest.objects.all()
        }
        done = self.call(
            "consultation_merge",
            lambda: services.consultation_merge(
                source=source, target=target, staff=pick(self.staff, staff)
            ),
        )
        assert {r.pk: (r.status, r.code) for r in self.referrals()} == before, (
            "a merge changed a referral's status or code"
        )
        if done is not None:
            # The model follows the interests to the target; the later decision stands.
            for posting_id in {p for (c, p) in interests if c == source.pk}:
                self.decisions.pop((source.pk, posting_id), None)
            for interest in PostingInterest.objects.filter(consultation=target):
                self.decisions[(target.pk, interest.posting_id)] = interest.decision

    @precondition(lambda self: ReferralLetter.objects.filter(status="issued").exists())
    @rule(referral=index, staff=index, aim=st.booleans())
    def retract(self, referral, staff, aim):
        referral = pick(
            list(ReferralLetter.objects.filter(status="issued").order_by("pk")), referral
        )
        office = referral.consultation.office_id
        by = self.colleague(office, staff) if aim else pick(self.staff, staff)
        if aim:  # the employer has had time to see it: past the hold
            self.traveller.shift(datetime.timedelta(minutes=11))
        self.call(
            "referral_retract",
            lambda: services.referral_retract(referral=referral, staff=by, reason="誤って送付"),
        )

    @precondition(lambda self: RetractionRequest.objects.filter(status="pending").exists())
    @rule(request=index, supervisor=index, aim=st.booleans(), approve=st.booleans())
    def decide_retraction(self, request, supervisor, aim, approve):
        pending = list(RetractionRequest.objects.filter(status="pending").order_by("pk"))
        request = pick(pending, request)
        referral = request.referral
        makers = (referral.drafted_by_id, request.requested_by_id)
        checker = self.checker(referral, supervisor, aim, not_ids=makers)
        if approve:
            self.call(
                "retraction_approve",
                lambda: services.retraction_approve(referral=referral, supervisor=checker),
            )
        else:
            self.call(
                "retraction_reject",
                lambda: services.retraction_reject(
                    referral=referral, supervisor=checker, reason="正しい紹介"
                ),
            )

    @rule(minutes=st.sampled_from([1, 2, 5, 9, 11, 29, 31, 60 * 24]))
    def time_passes(self, minutes):
        self.traveller.shift(datetime.timedelta(minutes=minutes))

    # -- the my page ----------------------------------------------------------------

    @precondition(lambda self: Disclosure.objects.exists())
    @rule(disclosure=index, member=index, hired=st.booleans())
    def record_result(self, disclosure, member, hired):
        disclosure = pick(self.disclosures(), disclosure)
        self.call(
            "selection_result_record",
            lambda: services.selection_result_record(
                disclosure=disclosure,
                member=pick(self.members, member),
                result="hired" if hired else "not_hired",
                start_date=disclosure.referral_date + datetime.timedelta(days=7) if hired else None,
                conditions_differ=False,
            ),
        )

    @precondition(lambda self: ReferralLetter.objects.exclude(code=None).exists())
    @rule(
        referral=index,
        staff=index,
        aim=st.booleans(),
        route=st.sampled_from(["paper", "fax", "phone", "seeker"]),
        hired=st.booleans(),
    )
    def clerk_records_a_result(self, referral, staff, aim, route, hired):
        """Issue 20: a result received on paper, by fax or phone, or the seeker's
        withdrawal, by someone of the office (or, not aimed, by anyone at all)."""
        referral = pick(list(ReferralLetter.objects.exclude(code=None).order_by("pk")), referral)
        by = (
            self.colleague(referral.consultation.office_id, staff)
            if aim
            else pick(self.staff, staff)
        )
        hired = hired and route != "seeker"
        self.call(
            "selection_result_receive",
            lambda: services.selection_result_receive(
                referral=referral,
                staff=by,
                route=route,
                given_by="" if route == "seeker" else "人事 佐藤",
                result="hired" if hired else "not_hired",
                start_date=timezone.localdate(referral.issued_at) + datetime.timedelta(days=7)
                if hired
                else None,
                not_hired_reason="" if hired else "applicant_withdrew",
                conditions_differ=False,
            ),
        )

    @precondition(lambda self: ReferralLetter.objects.exclude(code=None).exists())
    @rule(
        member=index,
        kind=st.sampled_from(["own or foreign", "voided", "garbage", "unknown", "lower case"]),
        referral=index,
        garbage=st.sampled_from(["", "ABC", "' OR 1=1", "１２３４"]),
    )
    def code_check(self, member, kind, referral, garbage):
        member = pick(self.members, member)
        with_code = [r for r in self.referrals() if r.code]
        if kind == "garbage" or not with_code:
            code = garbage
        elif kind == "unknown":
            code = codes.generate()
        else:
            chosen = pick(with_code, referral)
            if kind == "voided":
                voided = [r for r in with_code if r.status == "voided"]
                chosen = pick(voided, referral) if voided else chosen
            code = chosen.code.lower() if kind == "lower case" else chosen.code
        alerts_before = Alert.objects.count()
        answer = self.call("code_check", lambda: services.code_check(member=member, code=code))
        if answer is not None and code == garbage:  # every garbage value is malformed
            assert answer.mistyped and not answer.ok, "garbage was taken for a code"
            # No alert, so no failed check either (each one has its alert, in the database).
            assert Alert.objects.count() == alerts_before, "a mistyped code raised an alert"
        if answer is not None and answer.ok:
            assert answer.disclosure in selectors.disclosures_visible_to(
                establishment=member.establishment
            )
            assert answer.disclosure.referral_code == codes.parse(code)

    @precondition(lambda self: Disclosure.objects.exists())
    @rule(
        disclosure=index,
        member=index,
        aim=st.booleans(),
        then_restore=st.booleans(),
        supervisor=index,
    )
    def misdelivery(self, disclosure, member, aim, then_restore, supervisor):
        """An employer's report; with `then_restore`, a supervisor decides on it at once
        (a report comes late in a run, and a decision must get its turn too)."""
        disclosure = pick(self.disclosures(), disclosure)
        own = [m for m in self.members if m.establishment_id == disclosure.establishment_id]
        if aim:  # past the hold, when the employer can see it
            self.traveller.shift(datetime.timedelta(minutes=11))
        report = self.call(
            "misdelivery_report",
            lambda: services.misdelivery_report(
                disclosure=disclosure,
                member=pick(own if aim and own else self.members, member),
                note="",
            ),
        )
        if report is not None and then_restore:
            self.restore(0, supervisor, aim=aim, note="正しい")

    @precondition(lambda self: MisdeliveryReport.objects.exists())
    @rule(report=index, supervisor=index, aim=st.booleans(), note=st.sampled_from(["正しい", ""]))
    def restore(self, report, supervisor, aim, note):
        """Rule 11: a supervisor other than the maker finds the report mistaken."""
        reports = MisdeliveryReport.objects.order_by("pk")
        undecided = reports.filter(decision="")
        report = pick(list(undecided if aim and undecided.exists() else reports), report)
        referral = report.disclosure.referral
        makers = containment.referral_makers(referral)
        self.call(
            "misdelivery_restore",
            lambda: containment.misdelivery_restore(
                disclosure=report.disclosure,
                supervisor=self.checker(referral, supervisor, aim, not_ids=makers),
                note=note,
            ),
        )

    # -- rule 13: the registry and protected seekers ---------------------------------------

    @rule(
        seeker=index,
        supervisor=index,
        aim=st.booleans(),
        establishments=st.lists(index, min_size=0, max_size=2),
    )
    def protect_a_seeker(self, seeker, supervisor, aim, establishments):
        """A supervisor of the seeker's office protects the seeker against some
        establishments (or adds more); anyone else is refused."""
        seeker = pick(self.seekers, seeker)
        by = (
            self.colleague(seeker.office_id, supervisor, checker=True)
            if aim
            else pick(self.staff, supervisor)
        )
        chosen = [pick(self.establishments, i) for i in establishments]
        before = {
            (seeker.pk, e.pk): set(
                ReferralLetter.objects.filter(
                    consultation__seeker=seeker, drafted_establishment=e, code__isnull=False
                ).values_list("pk", flat=True)
            )
            for e in chosen
        }
        done = self.call(
            "seeker_protection_set",
            lambda: registry.seeker_protection_set(
                seeker=seeker, supervisor=by, reason="支援措置", establishments=chosen
            ),
        )
        if done is None:
            return
        assert by.can_approve and by.office_id == seeker.office_id
        for pair, known in before.items():
            self.excluded.setdefault(pair, known)
            # Each disclosure the establishment still holds has its critical alert.
            for disclosure in Disclosure.objects.filter(
                referral_id__in=known, recalled_at=None, retracted_at=None, erased_at=None
            ):
                assert Alert.objects.filter(
                    kind="protected_disclosure", referral_id=disclosure.referral_id
                ).exists(), "a disclosure to an excluded establishment raised no alert"

    @precondition(lambda self: bool(self.excluded))
    @rule(seeker=index, requester=index, decider=index, aim=st.booleans())
    def lift_a_protection(self, seeker, requester, decider, aim):
        """Asked by one person, approved by a manager who did not ask; anything else is
        refused and the protection stays."""
        seeker = pick(self.seekers, seeker)
        asked = self.call(
            "seeker_protection_lift_request",
            lambda: registry.seeker_protection_lift_request(
                seeker=seeker,
                supervisor=pick(
                    [
                        s
                        for s in self.staff
                        if s.office_id == seeker.office_id and s.role == "supervisor"
                    ],
                    requester,
                )
                if aim
                else pick(self.staff, requester),
                reason="本人の申出",
            ),
        )
        protection = SeekerProtection.objects.filter(seeker=seeker, lifted_at=None).first()
        if protection is None or protection.lift_requested_by_id is None:
            return
        managers = [
            s
            for s in self.staff
            if s.role == "manager"
            and s.office_id == seeker.office_id
            and s.pk != protection.lift_requested_by_id
        ]
        by = pick(managers, decider) if aim and managers else pick(self.staff, decider)
        done = self.call(
            "seeker_protection_lift_approve",
            lambda: registry.seeker_protection_lift_approve(seeker=seeker, manager=by),
        )
        if done is not None:
            assert asked is not None or protection.lift_requested_at is not None
            assert by.role == "manager" and by.pk != done.lift_requested_by_id
            for pair in [pair for pair in self.excluded if pair[0] == seeker.pk]:
                del self.excluded[pair]

    @rule(posting=index, establishment=index)
    def the_registry_moves_a_posting(self, posting, establishment):
        """The main system re-files a posting under another establishment (rule 13)."""
        posting = JobPosting.objects.get(pk=pick(self.postings, posting).pk)
        elsewhere = [e for e in self.establishments if e.pk != posting.establishment_id]
        self.call(
            "posting_update",
            lambda: registry.posting_update(
                posting=posting,
                by=self.admin,
                changes={"establishment": pick(elsewhere, establishment)},
            ),
        )

    @rule(posting=index, ended=st.booleans())
    def the_registry_ends_or_renews_a_postings_validity(self, posting, ended):
        """Issue 20: a posting's validity ends long ago (no new referral to it; the my page
        refuses its results, the result window, while the counter still records them) or
        is renewed."""
        posting = JobPosting.objects.get(pk=pick(self.postings, posting).pk)
        valid_until = datetime.date(2000, 1, 31) if ended else None
        if posting.valid_until == valid_until:
            return  # nothing would change, nothing is traced
        self.call(
            "posting_validity",
            lambda: registry.posting_update(
                posting=posting, by=self.admin, changes={"valid_until": valid_until}
            ),
        )

    @precondition(lambda self: Alert.objects.filter(resolved_at__isnull=True).exists())
    @rule(alert=index, supervisor=index)
    def resolve_an_alert_by_hand(self, alert, supervisor):
        alert = pick(list(Alert.objects.filter(resolved_at__isnull=True).order_by("pk")), alert)
        self.call(
            "alert_resolve",
            lambda: incidents.alert_resolve(
                alert=alert,
                supervisor=self.colleague(alert.office_id, supervisor, checker=True),
                note="確認した",
            ),
        )

    @precondition(lambda self: Disclosure.objects.exists())
    @rule(member=index)
    def employer_opens_the_my_page(self, member):
        """What the list page shows is exactly what the selector allows, nothing else."""
        member = pick(self.members, member)
        client = Client()
        client.force_login(member.user)
        device, _ = EmailDevice.objects.get_or_create(
            user=member.user, name="login", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        page = client.get("/mypage/").content.decode()
        body = page[page.index("<main") :]  # the applicants, not the header's own name
        allowed = {
            d.seeker_name
            for d in selectors.disclosures_visible_to(establishment=member.establishment)
        }
        for seeker in self.seekers:
            if seeker.name not in allowed:
                assert seeker.name not in body, "the my page showed an applicant it may not see"
        self.audit_length = AuditEvent.objects.count()  # the list view is traced

    # -- the invariants ---------------------------------------------------------------

    @invariant()
    def count_the_step(self):
        TALLY["steps"] += 1

    @invariant()
    def disclosures_rest_on_a_valid_confirmation(self):
        for disclosure in Disclosure.objects.select_related(
            "confirmation__confirmer_staff", "referral__posting", "referral__consultation"
        ):
            confirmation, referral = disclosure.confirmation, disclosure.referral
            assert confirmation.referral_id == referral.pk
            assert confirmation.confirmer_staff_id != confirmation.maker_id
            if confirmation.method == "in_person":
                consultation = referral.consultation
                assert confirmation.confirmer_seeker_id == consultation.seeker_id
                assert (
                    confirmation.entered_posting_digits
                    == referral.posting.number.replace("-", "")[-4:]
                )
                # 3: the seeker's own confirmation of this referral, on the consultation's
                # display, within the 10 minutes before, not taken back since.
                answer = confirmation.display_answer
                assert answer.referral_id == referral.pk and answer.answer == "confirmed"
                assert answer.answered_at <= confirmation.confirmed_at
                assert confirmation.confirmed_at - answer.answered_at <= datetime.timedelta(
                    minutes=10
                )
                later = DisplayReadback.objects.filter(
                    referral=referral,
                    answered_at__gt=answer.answered_at,
                    answered_at__lte=confirmation.confirmed_at,
                )
                assert not later.exists(), "issued on an answer the seeker later took back"
                # 3 and 3b: on the display of the consultation it was confirmed in, still open,
                # on its own day. A merge may have moved the letter since: that consultation
                # is then one of those merged into its present one.
                candidates, frontier = [consultation], [consultation.pk]
                while frontier:
                    merged = list(Consultation.objects.filter(merged_into_id__in=frontier))
                    candidates += merged
                    frontier = [c.pk for c in merged]
                assert any(
                    answer.display_id == c.display_id
                    and (c.closed_at is None or c.closed_at >= confirmation.confirmed_at)
                    and timezone.localdate(confirmation.confirmed_at)
                    == timezone.localdate(c.opened_at)
                    for c in candidates
                ), "in person, but not at its open consultation's display on that day"
                assert referral.locked_at is None or referral.locked_at > confirmation.confirmed_at
                day_start = timezone.localtime(confirmation.confirmed_at).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                misses = Alert.objects.filter(
                    kind="caught_mismatch",
                    referral__consultation__seeker_id=consultation.seeker_id,
                    created_at__gte=day_start,
                    created_at__lt=confirmation.confirmed_at,
                ).count()
                assert misses < services.MISMATCH_LIMIT, "issued in person after the lock"
            else:
                checker = confirmation.confirmer_staff
                assert checker.role in ("supervisor", "manager")
                assert checker.office_id == referral.consultation.office_id
                assert confirmation.stated_posting_number == referral.posting.number
                assert confirmation.source in ("callback", "seeker_present", "written")
            # 2 and 13: to the establishment the letter was drafted for (its posting's
            # establishment then; a posting re-filed since is never issued on the old draft)
            assert disclosure.establishment_id == referral.drafted_establishment_id
            assert confirmation.posting_id == referral.posting_id

    @invariant()
    def letters_are_issued_on_a_call_to_the_employer(self):
        """Issue 20: every letter ever issued rests on the latest call to the employer
        before it: one that reached the employer still taking applicants, or one that did
        not reach it while the office's setting allowed that; never none, never a posting
        the employer said was closed."""
        for referral in ReferralLetter.objects.filter(issued_at__isnull=False).select_related(
            "consultation__office"
        ):
            call = (
                EmployerCall.objects.filter(referral=referral, called_at__lte=referral.issued_at)
                .order_by("-called_at", "-pk")
                .first()
            )
            assert call is not None, "issued without a call to the employer"
            assert not call.closed, "issued although the employer said the posting was closed"
            if not call.reached:
                code = referral.consultation.office.code
                settings_then = [
                    allowed
                    for at, office, allowed in self.unreached_allowed
                    if office == code and at <= referral.issued_at
                ]
                assert settings_then and settings_then[-1], "issued unreached, not allowed"

    @invariant()
    def no_referral_made_after_a_protection_reaches_an_excluded_establishment(self):
        """Rule 13: for every (seeker, establishment) excluded now, the letters ever issued
        to it (a code: printed, or disclosed on its my page) and the disclosures it holds
        are those that existed when it was excluded, and no more."""
        for (seeker_id, establishment_id), before in self.excluded.items():
            issued = set(
                ReferralLetter.objects.filter(
                    consultation__seeker_id=seeker_id,
                    drafted_establishment_id=establishment_id,
                    code__isnull=False,
                ).values_list("pk", flat=True)
            )
            disclosed = set(
                Disclosure.objects.filter(
                    referral__consultation__seeker_id=seeker_id, establishment_id=establishment_id
                ).values_list("referral_id", flat=True)
            )
            assert issued | disclosed <= before, (
                "a protected seeker was referred to an excluded establishment"
            )

    @invariant()
    def employers_see_only_what_they_may(self):
        now = timezone.now()
        for establishment in self.establishments:
            for disclosure in selectors.disclosures_visible_to(establishment=establishment):
                assert disclosure.establishment_id == establishment.pk
                assert disclosure.visible_at <= now
                assert disclosure.recalled_at is None and disclosure.retracted_at is None
                assert disclosure.quarantined_at is None, "a reported applicant is shown"
                assert disclosure.referral.status == "issued"

    @invariant()
    def a_disclosure_outlives_its_letter_only_recalled_or_retracted(self):
        """What lets `selectors.visible_now` leave the letter's status out (issue 18): a
        disclosure of a letter no longer issued is recalled or retracted."""
        for disclosure in Disclosure.objects.exclude(referral__status="issued"):
            assert disclosure.recalled_at is not None or disclosure.retracted_at is not None, (
                "a letter left 'issued' but its disclosure is still live"
            )

    @invariant()
    def a_report_hides_until_decided_and_its_alert_closes_with_the_decision(self):
        """Rules 11 and 12: reported and undecided, the applicant is hidden and its critical
        alert open; decided, the alert closed itself with that decision, and a restore was
        made by a supervisor or manager of the office who neither made nor submitted it."""
        for report in MisdeliveryReport.objects.select_related(
            "disclosure__referral__consultation", "alert", "decided_by"
        ):
            disclosure, alert = report.disclosure, report.alert
            assert alert.kind == "misdelivery_report" and alert.severity == "critical"
            if not report.decision:
                assert disclosure.quarantined_at is not None, "reported but still shown"
                assert alert.resolved_at is None, "the report's alert closed undecided"
                continue
            assert alert.resolved_at is not None and alert.settled_by == report.decision
            if report.decision == "restored":
                referral = disclosure.referral
                assert disclosure.quarantined_at is None or disclosure.retracted_at is not None
                assert report.decided_by.can_approve
                assert report.decided_by.office_id == referral.consultation.office_id
                assert report.decided_by_id not in (
                    referral.drafted_by_id,
                    referral.submitted_by_id,
                )
        for disclosure in Disclosure.objects.filter(
            quarantined_at__isnull=False, retracted_at__isnull=True
        ):
            assert MisdeliveryReport.objects.filter(disclosure=disclosure, decision="").exists()
        assert not Alert.objects.filter(settled_by__gt="", resolved_at__isnull=True).exists()

    @invariant()
    def codes_are_unique_and_forever(self):
        current = dict(ReferralLetter.objects.exclude(code=None).values_list("pk", "code"))
        assert len(set(current.values())) == len(current)
        for referral_id, code in self.codes_seen.items():
            assert current.get(referral_id) == code, "a code changed or disappeared"
        self.codes_seen.update(current)

    @invariant()
    def every_status_change_is_a_transition_in_the_table(self):
        """lifecycle.TRANSITIONS is the whole life cycle: a new letter is a draft, and each
        step changes a letter's status only along a (from, to) pair of the table."""
        if not hasattr(self, "statuses"):
            return  # before the world is built
        steps = lifecycle.status_steps()
        now = dict(ReferralLetter.objects.values_list("pk", "status"))
        for pk, status in now.items():
            before = self.statuses.get(pk)
            if before is None:
                assert status == "draft", f"letter {pk} began as {status}"
            elif before != status:
                assert (before, status) in steps, f"letter {pk}: {before} → {status}"
                event(f"status: {before} → {status}")
        assert set(self.statuses) <= set(now), "a letter disappeared"
        self.statuses = now

    @invariant()
    def retracted_disclosures_hold_no_personal_data_and_have_an_incident(self):
        for disclosure in Disclosure.objects.filter(retracted_at__isnull=False):
            assert (disclosure.seeker_name, disclosure.seeker_kana, disclosure.seeker_age) == (
                "",
                "",
                None,
            )
            assert Incident.objects.filter(referral_id=disclosure.referral_id).exists()
            assert disclosure.referral.status == "retracted"
        for referral in ReferralLetter.objects.filter(status="retracted"):
            assert Incident.objects.filter(referral=referral).exists()

    @invariant()
    def results_are_one_line_per_referral_of_an_issued_letter(self):
        """Whoever records (the my page or a clerk), a referral's results are one line:
        one first row, each other correcting the one before, on a letter that was issued."""
        by_referral: dict[int, list[SelectionResult]] = {}
        for result in SelectionResult.objects.select_related("referral").order_by("pk"):
            by_referral.setdefault(result.referral_id, []).append(result)
            assert result.referral.code is not None
            assert (result.route == "mypage") == (result.recorded_by_member_id is not None)
            assert (result.recorded_by_member_id is None) != (result.recorded_by_staff_id is None)
        for rows in by_referral.values():
            assert rows[0].corrects_id is None
            for before, after in itertools.pairwise(rows):
                assert after.corrects_id == before.pk

    @invariant()
    def the_trail_verifies(self):
        # The sealer's work (issue 18), inside the test's transaction where the test's role
        # may seal (SQLite, one role); as the app role it cannot, and the rows wait unsealed.
        sealing = not db_roles.owner_configured()
        if sealing:
            audit_sealer.seal()
            audit_sealer.release_lock()
        checked, broken = audit.verify()
        assert broken is None, broken
        unsealed = AuditEvent.objects.filter(hash__isnull=True).count()
        assert checked + unsealed == AuditEvent.objects.count()
        assert unsealed == 0 or not sealing

    @invariant()
    def a_locked_referral_has_its_critical_alert(self):
        for referral in ReferralLetter.objects.filter(locked_at__isnull=False):
            assert Alert.objects.filter(
                kind="referral_locked", referral=referral, severity="critical"
            ).exists()
            assert "mismatch_lock" in referral.approval_reasons

    @invariant()
    def every_consultation_has_one_seeker(self):
        assert not Consultation.objects.filter(seeker__isnull=True).exists()
        for referral in ReferralLetter.objects.select_related("consultation"):
            assert referral.consultation.seeker_id is not None


@pytest.mark.django_db
def test_no_sequence_of_actions_breaks_the_invariants(capsys):
    TALLY.clear()
    run_state_machine_as_test(ReferralMachine)
    # The figures a closing note reports, on the terminal whatever the capture.
    with capsys.disabled():
        sys.stdout.write(
            f"\nstate machine: {TALLY['examples']} examples, {TALLY['steps']} steps, "
            f"{TALLY['done']} service calls done and {TALLY['refused']} refused "
            f"({TALLY['misdelivery_report done']} reports of "
            f"{TALLY['misdelivery_report done'] + TALLY['misdelivery_report refused']}, "
            f"{TALLY['misdelivery_restore done']} restores "
            f"({TALLY['misdelivery_restore refused']} refused), "
            f"{TALLY['retraction_approve done']} retractions, "
            f"{TALLY['seeker_protection_set done']} protections "
            f"({TALLY['seeker_protection_set refused']} refused), "
            f"{TALLY['seeker_protection_lift_approve done']} lifted, "
            f"{TALLY['posting_update done']} postings moved, "
            f"{TALLY['selection_result_receive done']} results received at the counter and "
            f"{TALLY['selection_result_record done']} on the my page); "
            "the invariants held after every step\n"
        )
