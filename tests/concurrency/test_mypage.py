"""What must hold when two processes act at once (PostgreSQL: SQLite serialises writers).
Each thread has its own database connection, as two workers or two requests would."""

import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from hellowork import services as registry_services
from hellowork.models import EmployerInvitation, EmployerMember, Establishment
from referrals import codes, services
from referrals.models import CodeCheck, Disclosure
from tests import factories
from tests.employer_portal.helpers import applicants

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_together(count, work):
    """Runs `work(i)` in `count` threads started at the same moment; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(i):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # handed to the test, which asserts on it
            results[i] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_notifiers_never_send_the_same_notice_twice(
    no_hold, alice, posting_c, dave, establishment_c, monkeypatch
):
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    applicants(4, staff=alice, posting=posting_c)
    slow_send = EmailBackend.send_messages

    def send_slowly(self, messages):
        time.sleep(0.2)  # hold the row lock while the other worker looks
        return slow_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_slowly)
    results = run_together(2, lambda i: services.employer_notifications_send())
    assert sum(results) == 4, results
    assert len(mail.outbox) == 4 * 2  # each of 4 applicants, to dave and the colleague
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([dave.user.email, colleague.user.email] * 4)
    assert not Disclosure.objects.filter(notified_at__isnull=True).exists()


def test_concurrent_code_checks_stop_at_the_limit(dave, establishment_c, settings):
    settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT = 3
    members = [dave] + [
        factories.EmployerMemberFactory(establishment=establishment_c) for _ in range(5)
    ]
    unknown = [codes.generate() for _ in range(6)]  # well formed: a typo would not count
    answers = run_together(6, lambda i: services.code_check(member=members[i], code=unknown[i]))
    assert sum(1 for answer in answers if answer.limited) == 3, answers
    assert CodeCheck.objects.count() == 3


def test_concurrent_additions_stop_at_ten_members(dave, establishment_c):
    for _ in range(Establishment.MAX_MEMBERS - 2):
        factories.EmployerMemberFactory(establishment=establishment_c)
    results = run_together(
        3,
        lambda i: registry_services.employer_member_add(
            by=dave, email=f"new{i}@asahi.example.jp", name=f"新人 {i}"
        ),
    )
    assert sum(1 for result in results if isinstance(result, EmployerInvitation)) == 1, results
    assert sum(1 for result in results if isinstance(result, ValidationError)) == 2
    assert (
        EmployerMember.objects.filter(establishment=establishment_c, user__is_active=True).count()
        == Establishment.MAX_MEMBERS
    )


def test_a_restore_and_the_retraction_s_approval_at_once_end_in_one_decision(
    no_hold, alice, seeker_a, posting_c, dave, koriyama
):
    """Rule 11: both lock the referral first, so neither deadlocks; the retraction waiting
    for its second supervisor wins, and the restore is refused with the reason (the request
    waits, or the report was decided by it)."""
    from django.core.exceptions import PermissionDenied

    from hellowork.models import StaffRole
    from referrals.models import MisdeliveryReport
    from referrals.services import containment
    from tests.referrals.helpers import issue_in_person

    bob, frank = (
        factories.StaffMemberFactory(office=koriyama, role=StaffRole.SUPERVISOR) for _ in "bf"
    )
    disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
    services.misdelivery_report(disclosure=disclosure, member=dave, note="")
    services.referral_retract(referral=disclosure.referral, staff=alice, reason="誤り")
    work = [
        lambda: containment.misdelivery_restore(disclosure=disclosure, supervisor=bob, note="x"),
        lambda: services.retraction_approve(referral=disclosure.referral, supervisor=frank),
    ]
    restored, approved = run_together(2, lambda i: work[i]())
    assert isinstance(restored, PermissionDenied | ValidationError), restored
    assert not isinstance(approved, Exception), approved
    assert MisdeliveryReport.objects.get().decision == "retracted"


def test_the_employer_and_a_clerk_recording_at_once_make_one_line(no_hold, alice, posting_c, dave):
    """Issue 20: the my page locks the disclosure, the counter the referral and then the
    disclosure: the second waits and corrects the first, never a fork or a second first."""
    import datetime

    from referrals import selectors
    from referrals.models import SelectionResult

    for round_ in range(3):
        (applicant,) = applicants(1, staff=alice, posting=posting_c)
        referral = applicant.referral

        def work(i, applicant=applicant, referral=referral):
            if i == 0:
                return services.selection_result_record(
                    disclosure=applicant,
                    member=dave,
                    result="hired",
                    start_date=applicant.referral_date + datetime.timedelta(days=7),
                    conditions_differ=False,
                )
            return services.selection_result_receive(
                referral=referral,
                staff=alice,
                route="phone",
                given_by="人事 佐藤",
                result="not_hired",
                conditions_differ=False,
            )

        results = run_together(2, work)
        assert all(isinstance(r, SelectionResult) for r in results), (round_, results)
        history = list(selectors.selection_results_for_referral(referral=referral))
        assert len(history) == 2
        assert history[0].corrects == history[1] and history[1].corrects is None
