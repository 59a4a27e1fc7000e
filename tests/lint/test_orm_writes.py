"""lint/orm_writes.py: the check `make lint` runs for "every write goes through a service"
(DESIGN.md section 5)."""

from pathlib import Path

import pytest

from lint import orm_writes

ROOT = Path(__file__).resolve().parents[2]

VIEW_WITH_WRITES = """
def letter_void(request, pk):
    letter = ReferralLetter.objects.get(pk=pk)
    letter.status = "voided"
    letter.save(update_fields=["status"])
    Alert.objects.create(office=letter.office, kind="x")
    Alert.objects.filter(office=letter.office).update(resolved_at=None)
    Incident.objects.select_for_update().get(pk=1).delete()
    PostingInterest.objects.bulk_create([])
"""

VIEW_WITHOUT_WRITES = """
def page(request):
    form = NoteForm(request.POST)
    note = form.save(commit=False)
    request.session.save()
    request.session.delete("key")
    cache.delete("key")
    caches["default"].delete("key")
    context = {}
    context.update(note=note)
    seen = set()
    seen.update([1])
    widget.attrs.update({"inputmode": "numeric"})
    return render(request, "x.html", context)

class Named(models.Model):
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
"""


def test_a_view_writing_through_the_orm_is_caught():
    writes = orm_writes.writes_in(VIEW_WITH_WRITES, "referrals/views/sample.py")

    assert [(w.line, w.method, w.function) for w in writes] == [
        (5, "save", "letter_void"),
        (6, "create", "letter_void"),
        (7, "update", "letter_void"),
        (8, "delete", "letter_void"),
        (9, "bulk_create", "letter_void"),
    ]
    assert str(writes[0]).startswith("referrals/views/sample.py:5:4: ORM write .save()")


def test_sessions_caches_dicts_sets_and_unsaved_forms_are_not_writes():
    assert orm_writes.writes_in(VIEW_WITHOUT_WRITES, "referrals/views/sample.py") == []


def test_a_view_module_with_a_write_fails_the_check(tmp_path):
    (tmp_path / "referrals" / "views").mkdir(parents=True)
    (tmp_path / "referrals" / "views" / "sample.py").write_text(VIEW_WITH_WRITES)

    problems = orm_writes.check(tmp_path)

    assert problems[0].startswith("referrals/views/sample.py:5:4: ORM write .save()")


@pytest.mark.parametrize(
    "path",
    [
        "referrals/services/counter.py",
        "hellowork/services.py",
        "referrals/migrations/0001_initial.py",
        "referrals/management/commands/escalate_overdue.py",
        "hellowork/demo.py",
    ],
)
def test_services_migrations_commands_and_the_demo_may_write(path):
    assert orm_writes.is_allowed_path(path)


@pytest.mark.parametrize("path", ["referrals/views/letters.py", "referrals/selectors.py"])
def test_views_and_selectors_may_not(path):
    assert not orm_writes.is_allowed_path(path)


def test_the_real_tree_keeps_the_rule():
    assert orm_writes.check(ROOT) == []
