"""Helpers the counter views' tests share."""

import datetime

from django.urls import reverse
from django.utils import timezone


def call_on_screen(counter, referral, seeker, **fields):
    """The clerk records the call to the employer on the issuance screen (issue 20)."""
    data = {
        "seeker": seeker.pk,
        "outcome": "accepting",
        "interview_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "interview_time": "10:00",
        "interview_place": "本社 2階 会議室",
        "contact_person": "総務課 佐藤",
        "documents": "履歴書",
        "selection_method": "面接",
        **fields,
    }
    response = counter.post(reverse("referral_call", args=[referral.pk]), data)
    assert response.status_code == 302, response.text
    return response


def assert_refused_on_the_page(response, reason):
    assert response.status_code == 403
    assert reason in response.text
    assert f'href="{reverse("approval_queue")}"' in response.text  # a way back
    assert "窓口トップ" in response.text  # the counter's layout
    assert "このページは表示できません" not in response.text  # not the bare 403 page
