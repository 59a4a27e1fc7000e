"""counter.views.alerts: the alerts list names no posting whose check is pending."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referrals import services
from referrals.models import (
    Alert,
)
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import (
    called_draft,
    consult,
    pending,
    seeker_confirms,
)


def test_alerts_name_no_posting_while_its_check_is_pending(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    services.referral_void(referral=referral, staff=alice, reason="取り違え")
    posting_d = factories.JobPostingFactory(establishment__office=referral.consultation.office)
    services.interest_record(
        consultation=referral.consultation, posting=posting_d, decision="apply", staff=alice
    )
    again = called_draft(consultation=referral.consultation, posting=posting_d, staff=alice)
    services.referral_submit(referral=again, staff=alice)
    alert = Alert.objects.get(kind="retract_reorder")
    supervisor = client_for(bob.user)
    for url in [reverse("alert_list"), reverse("alert_detail", args=[alert.pk])]:
        page = supervisor.get(url).text
        assert posting_d.number not in page and posting_d.establishment.name not in page


def test_alerts_hide_a_posting_another_letter_of_the_seeker_waits_on(
    alice, bob, seeker_a, posting_c
):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(first, alice)
    for _ in range(3):  # locked: a critical alert naming the letter
        with pytest.raises(ValidationError):
            services.referral_confirm_in_session(referral=first, staff=alice, posting_digits="0000")
    # The clerk's own void does not close the alert about the letter (rule 12).
    services.referral_void(referral=first, staff=alice, reason="作り直し")
    called_draft(consultation=consultation, posting=posting_c, staff=alice)
    page = client_for(bob.user).get(reverse("alert_list")).text
    assert Alert.objects.get(kind="referral_locked", referral=first).resolved_at is None
    assert posting_c.number not in page and "確認（承認）が済むまで表示しません" in page
