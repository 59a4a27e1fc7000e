"""counter.views.home: the counter's home page."""

from django.urls import reverse

from referrals import services
from tests.referrals.helpers import (
    called_draft,
    consult,
    issue_in_person,
)

# -- one count of letters (issue 14) ------------------------------------------------------------


def test_the_counter_counts_a_consultations_letters_one_way(
    counter, alice, seeker_a, posting_c, posting_d
):
    issued = issue_in_person(seeker_a, alice, posting_c)
    first = issued.consultation
    services.interest_record(consultation=first, posting=posting_d, decision="apply", staff=alice)
    draft = called_draft(consultation=first, posting=posting_d, staff=alice)
    services.referral_void(referral=draft, staff=alice, reason="取り違え")
    second = consult(seeker_a, alice, in_person=False)
    home = counter.get(reverse("counter_home"))
    (on_home,) = [c for c in home.context["consultations"] if c.pk == first.pk]
    other_page = counter.get(reverse("consultation_detail", args=[second.pk]))
    (as_candidate,) = other_page.context["merge_candidates"]
    assert as_candidate.pk == first.pk
    # One letter issued, one voided: both screens say 1, under the same label.
    assert on_home.referral_count == as_candidate.referral_count == 1
    assert "紹介状（取消を除く）" in home.text and "紹介状（取消を除く）" in other_page.text
