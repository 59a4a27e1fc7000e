"""counter.views.displays: the supervisors' page of displays: registering a display, its
code shown once, retiring it; clerks refused; bad input; query counts."""

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import CounterDisplay
from tests import factories
from tests.conftest import client_for


def test_a_supervisor_registers_a_display_and_sees_its_code_once(bob):
    supervisor = client_for(bob.user)
    response = supervisor.post(reverse("display_list"), {"label": "第3窓口"})
    assert response.status_code == 200
    display = CounterDisplay.objects.get(label="第3窓口")
    code = response.context["code"]
    assert len(code) == 11 and code[5] == "-"
    assert "/display/" in response.text
    listing = supervisor.get(reverse("display_list")).text
    assert "第3窓口" in listing and code not in listing and "ペアリング待ち" in listing
    services.display_pairing_redeem(code=code, ip="127.0.0.1")
    assert "使用中" in supervisor.get(reverse("display_list")).text
    supervisor.post(reverse("display_retire", args=[display.pk]))
    display.refresh_from_db()
    assert display.retired_at is not None


def test_a_clerk_cannot_open_the_displays_page(alice):
    assert client_for(alice.user).get(reverse("display_list")).status_code == 403


def test_an_empty_label_changes_nothing(bob):
    response = client_for(bob.user).post(reverse("display_list"), {"label": " "})
    assert response.status_code == 400 and "error-summary" in response.text
    assert not CounterDisplay.objects.exists()


@pytest.mark.parametrize("rows", [1, 50])
def test_the_displays_page_queries_do_not_grow(bob, koriyama, rows, django_assert_max_num_queries):
    for n in range(rows):
        display = factories.CounterDisplayFactory(office=koriyama, label=f"窓口{n}")
        if n % 2:
            display.retired_at, display.retired_by = display.created_at, display.created_by
            display.save()
    supervisor = client_for(bob.user)
    with django_assert_max_num_queries(9):  # with the header's open critical alerts
        assert supervisor.get(reverse("display_list")).status_code == 200
