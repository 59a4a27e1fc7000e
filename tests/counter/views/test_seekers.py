"""counter.views.seekers: finding a seeker and opening a consultation, in person or not."""

from django.urls import reverse
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals.models import (
    Consultation,
)
from tests import factories
from tests.referrals.helpers import (
    desk_display,
)


def test_search_by_number_and_by_kana(counter, seeker_a):
    for query in ["０７０４０－００００１２３４", "やまだ", "ヤマダハナコ", "ﾔﾏﾀﾞ"]:
        response = counter.post(reverse("seeker_search"), {"q": query})
        assert response.status_code == 200
        assert seeker_a.name in response.text, query
    assert AuditEvent.objects.filter(action="seeker.searched").count() == 4


def test_the_searched_name_never_goes_into_the_url(counter):
    page = counter.get(reverse("counter_home")).text
    assert 'method="post" action="/counter/seekers/"' in page
    assert counter.get(reverse("seeker_search"), {"q": "ヤマダ"}).context["search"] is None


def test_search_finds_nothing_politely(counter, seeker_a):
    response = counter.post(reverse("seeker_search"), {"q": "ワタナベ"})
    assert "該当する求職者はいません" in response.text
    assert response.context["search"].seekers == []


def test_opening_a_consultation_in_person_at_a_display(counter, seeker_a, koriyama):
    desk, other_desk = desk_display(koriyama), factories.CounterDisplayFactory(office=koriyama)
    page = counter.get(reverse("seeker_detail", args=[seeker_a.pk])).text
    assert desk.label in page and other_desk.label in page
    response = counter.post(
        reverse("consultation_open", args=[seeker_a.pk]),
        {"seeker": seeker_a.pk, "in_person": "1", "display": other_desk.pk},
    )
    consultation = Consultation.objects.get()
    assert response.url == reverse("consultation_detail", args=[consultation.pk])
    assert consultation.in_person is True and consultation.display == other_desk
    # The desk is remembered for the session: the next seeker's form has it chosen.
    other = factories.JobSeekerFactory(office=koriyama)
    form = counter.get(reverse("seeker_detail", args=[other.pk])).context["form"]
    assert (form.initial["in_person"], form.initial["display"]) == ("1", other_desk.pk)


def test_in_person_needs_an_active_display_of_the_office(counter, seeker_a, koriyama, fukushima):
    retired = factories.CounterDisplayFactory(office=koriyama)
    retired.retired_at, retired.retired_by = timezone.now(), retired.created_by
    retired.save()
    elsewhere = factories.CounterDisplayFactory(office=fukushima)
    # Without any display the page says what to do instead: not in person, then approval.
    page = counter.get(reverse("seeker_detail", args=[seeker_a.pk])).text
    assert "使用できる求職者用画面がありません" in page
    for display in ["", retired.pk, elsewhere.pk, "abc"]:
        response = counter.post(
            reverse("consultation_open", args=[seeker_a.pk]),
            {"seeker": seeker_a.pk, "in_person": "1", "display": display},
        )
        assert response.status_code == 400, display
        assert "求職者用画面" in response.text
    assert not Consultation.objects.exists()
    not_in_person = counter.post(
        reverse("consultation_open", args=[seeker_a.pk]),
        {"seeker": seeker_a.pk, "in_person": "0", "display": ""},
    )
    assert not_in_person.status_code == 302
    assert Consultation.objects.get().display is None


def test_opening_needs_a_mode(counter, seeker_a):
    response = counter.post(
        reverse("consultation_open", args=[seeker_a.pk]), {"seeker": seeker_a.pk}
    )
    assert response.status_code == 400
    assert not Consultation.objects.exists()
