"""The registry import (issue 16, DESIGN.md rule 13): the example files in
docs/examples/registry import through hellowork.services.registry_import, upserting by
number and never deleting; names survive byte for byte from CP932; refused lines name
their line and column and change nothing; a dry run writes nothing; the admin's import
needs the import permission and leaves the same audit trail."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from hellowork import registry_import, services
from hellowork.models import (
    AuditEvent,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    User,
)
from hellowork.name_keys import kana_key, name_key
from referrals.models import Alert
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import pending

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "registry"
ORDER = ["offices", "staff", "establishments", "postings", "seekers"]
SEEKERS_HEADER = "求職番号,氏名,氏名（カナ）,生年月日,登録安定所番号\n"


def run(kind, data, by, **kwargs):
    kwargs.setdefault("dry_run", False)
    return services.registry_import(kind=kind, data=data, by=by, **kwargs)


def import_examples(by):
    reports = {kind: run(kind, (EXAMPLES / f"{kind}.csv").read_bytes(), by) for kind in ORDER}
    reports["seekers_cp932"] = run("seekers", (EXAMPLES / "seekers_cp932.csv").read_bytes(), by)
    return reports


def registry_snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Office, User, StaffMember, Establishment, JobPosting, JobSeeker)
    ]


def test_the_example_files_import_and_a_second_time_change_nothing(root):
    first = import_examples(root)
    assert {k: r.counts["created"] for k, r in first.items()} == {
        "offices": 2,
        "staff": 4,
        "establishments": 3,
        "postings": 3,
        "seekers": 3,
        "seekers_cp932": 3,
    }
    assert all(r.counts["refused"] == 0 for r in first.values())
    before, events = registry_snapshot(), AuditEvent.objects.count()
    second = import_examples(root)
    assert all(r.counts["unchanged"] == len(r.lines) for r in second.values())
    assert registry_snapshot() == before
    # Only the files' own registry.imported events: no record created or changed.
    new = AuditEvent.objects.order_by("pk")[events:]
    assert {e.action for e in new} == {"registry.imported"}
    assert all(e.detail["created_ids"] == e.detail["changed_ids"] == [] for e in new)


def test_values_are_read_as_the_main_system_writes_them(root):
    import_examples(root)
    staff = StaffMember.objects.select_related("user", "office").get(user__username="midori-super1")
    assert staff.role == "supervisor" and staff.office.code == "0791"
    assert not staff.user.has_usable_password() and staff.user.kind == "staff"
    posting = JobPosting.objects.get(number="07910-00000101")
    assert (posting.wage_min, posting.wage_max, posting.employment_type) == (
        210000,
        260000,
        "full_time",
    )
    assert JobPosting.objects.get(number="07920-00000201").status == "closed"
    assert Establishment.objects.get(number="0791-100001-1").has_mypage is True
    assert Establishment.objects.get(number="0791-100002-9").has_mypage is False
    assert str(JobSeeker.objects.get(number="07910-00001002").birth_date) == "1985-11-03"


def test_a_cp932_file_with_full_width_numbers_and_era_dates_keeps_old_form_kanji(root):
    import_examples(root)
    raw = (EXAMPLES / "seekers_cp932.csv").read_bytes()
    assert "０７９１０".encode("cp932") in raw and "平成４年".encode("cp932") in raw
    seeker = JobSeeker.objects.get(number="07910-00001011")  # ０７９１０－００００１０１１
    assert seeker.name == "髙橋 優子" and seeker.name.encode() == "髙橋 優子".encode()
    assert seeker.kana == "タカハシ ユウコ"  # half-width ﾀｶﾊｼ read as full-width
    assert str(seeker.birth_date) == "1992-05-17"  # 平成４年５月１７日
    assert seeker.phone == "024-000-0002"
    saki = JobSeeker.objects.get(number="07910-00001012")
    assert saki.name == "山﨑 翔" and "\ufa11" in saki.name  # 﨑, not 崎
    assert str(saki.birth_date) == "1988-12-01"  # 昭和６３年
    both = JobSeeker.objects.get(number="07920-00002012")
    assert both.name == "髙﨑 恵美" and str(both.birth_date) == "1998-03-09"  # H10.3.9
    # The counter's search keys are computed for imported rows.
    assert both.name_key == name_key("高崎恵美") and both.kana_key == kana_key("タカサキエミ")
    assert JobSeeker.objects.filter(name_key=name_key("高橋優子")).get() == seeker
    assert Establishment.objects.get(number="0791-100002-9").name == "有限会社髙﨑製作所"


def test_a_malformed_line_is_refused_with_its_line_and_column_and_the_rest_goes_on(root):
    import_examples(root)
    data = (
        SEEKERS_HEADER
        + "07910-00001001,田中 美咲,タナカ ミサキ,1992-04-16,0791\n"  # line 2: changed
        + "07910-00009001,新井 一,アライ ハジメ,平成31年5月3日,0791\n"  # 3: no such day
        + "07910-00009002,新井 二,あらい,1990-01-01,0791\n"  # 4: hiragana
        + '"07910-00009003","新井\n三",アライ サン,1990-01-01,0799\n'  # 5-6: no office
        + "07910-00009004,新井 四,アライ シ,1990-01-01,0791\n"  # line 7: created
    ).encode()
    before = registry_snapshot()
    with pytest.raises(services.ImportRefused) as refused:
        run("seekers", data, root)
    assert registry_snapshot() == before  # refused whole without skip_refused
    report = refused.value.report
    assert [(p.line, p.outcome) for p in report.lines] == [
        (2, "changed"),
        (3, "refused"),
        (4, "refused"),
        (5, "refused"),
        (7, "created"),
    ]
    bad = {p.line: p for p in report.refused}
    assert (bad[3].column, bad[3].column_number) == ("生年月日", 4)
    assert "日付" in bad[3].reason_ja and "date" in bad[3].reason_en.lower()
    assert (bad[4].column, bad[4].column_number) == ("氏名（カナ）", 3)
    assert "katakana" in bad[4].reason_en.lower()
    assert bad[5].column == "登録安定所番号" and "0799" in bad[5].reason_en

    report = run("seekers", data, root, skip_refused=True)
    assert report.applied and report.lines[0].fields == ["birth_date"]
    assert str(JobSeeker.objects.get(number="07910-00001001").birth_date) == "1992-04-16"
    assert JobSeeker.objects.filter(number="07910-00009004").exists()
    assert not JobSeeker.objects.filter(number__in=["07910-00009001", "07910-00009002"]).exists()
    event = AuditEvent.objects.get(
        action="registry.imported", detail__kind="seekers", detail__refused_lines=[3, 4, 5]
    )
    assert event.detail["counts"] == {"created": 1, "changed": 1, "unchanged": 0, "refused": 3}
    # The file lacks the other seekers: reported, never removed.
    assert event.detail["missing"] == 5 and JobSeeker.objects.count() == 7


def test_the_same_number_twice_in_a_file_is_refused_on_its_second_line(root):
    import_examples(root)
    data = (
        SEEKERS_HEADER
        + "０７９１０－０００９００１,甲,コウ,1990-01-01,0791\n"
        + "07910-0009001,乙,オツ,1990-01-01,0791\n"
    ).encode()
    report = run("seekers", data, root, dry_run=True)
    assert [p.outcome for p in report.lines] == ["created", "refused"]
    assert report.lines[1].column == "求職番号" and "2" in report.lines[1].reason_en


def test_a_dry_run_writes_nothing_and_leaves_no_audit_event(root):
    before, events = registry_snapshot(), AuditEvent.objects.count()
    report = run("offices", (EXAMPLES / "offices.csv").read_bytes(), root, dry_run=True)
    assert report.counts["created"] == 2 and not report.applied
    assert registry_snapshot() == before and AuditEvent.objects.count() == events


def test_every_record_is_traced_by_id_and_field_names_never_values(root):
    import_examples(root)
    created = AuditEvent.objects.filter(action="registry.created")
    assert created.count() == 22  # 18 lines; a staff line is a login and a staff member
    staff = StaffMember.objects.get(user__username="midori-clerk1")
    assert created.get(target_type="hellowork.user", target_id=str(staff.user_id)).detail == {
        "fields": ["email", "kind", "name", "password", "username"]
    }
    seeker = JobSeeker.objects.get(number="07910-00001011")
    event = created.get(target_type="hellowork.jobseeker", target_id=str(seeker.pk))
    assert event.actor == root
    assert event.detail == {"fields": ["birth_date", "kana", "name", "number", "office", "phone"]}
    imported = AuditEvent.objects.filter(action="registry.imported", detail__kind="seekers")
    assert imported.count() == 2 and seeker.pk in imported.last().detail["created_ids"]
    trail = str(list(AuditEvent.objects.values_list("detail", flat=True)))
    for value in ("髙橋", "タカハシ", "1992", "024-000", "takahashi@", "みどり運輸"):
        assert value not in trail


def test_a_change_goes_through_the_registry_update_path(root):
    import_examples(root)
    data = (SEEKERS_HEADER + "07910-00001001,田中 美咲,タナカ ミサキ,1992-04-15,0792\n").encode()
    run("seekers", data, root)
    seeker = JobSeeker.objects.get(number="07910-00001001")
    event = AuditEvent.objects.get(action="registry.changed", target_id=str(seeker.pk))
    assert event.detail == {"fields": ["office"]} and seeker.office.code == "0792"


def test_a_staff_role_change_is_traced(root):
    import_examples(root)
    data = "ログインID,氏名,安定所番号,役割\nmidori-clerk1,髙橋 一郎,0791,統括官\n".encode()
    report = run("staff", data, root)
    assert report.lines[0].fields == ["role"]
    staff = StaffMember.objects.get(user__username="midori-clerk1")
    assert staff.role == "supervisor"
    assert AuditEvent.objects.get(
        action="registry.changed", target_type="hellowork.staffmember"
    ).detail == {"fields": ["role"]}


def test_an_employer_login_is_not_taken_over_by_a_staff_import(root, dave):
    import_examples(root)
    data = f"ログインID,氏名,安定所番号\n{dave.user.username},乗っ取り,0791\n".encode()
    report = run("staff", data, root, dry_run=True)
    assert report.lines[0].outcome == "refused" and report.lines[0].column == "ログインID"


def test_a_posting_moved_by_import_under_a_pending_approval_is_held_like_posting_update(
    root, alice, seeker_a, posting_c, establishment_d
):
    """Rule 13: the import creates no referral, and moving a posting goes through
    posting_update's path: a warning alert on the live referral, and the approval refused
    until the clerk drafts again (where an excluded establishment is refused)."""
    referral = pending(seeker_a, alice, posting_c)
    data = (
        f"求人番号,事業所番号,職種\n{posting_c.number},{establishment_d.number},{posting_c.title}\n"
    ).encode()
    run("postings", data, root)
    alert = Alert.objects.get(kind="registry_changed")
    assert alert.referral == referral and alert.detail["fields"] == ["establishment"]
    from referrals.services.registry import rule13_refusal

    referral.refresh_from_db()
    assert rule13_refusal(referral).code == "establishment_changed"


def test_english_headers_are_accepted(root):
    data = "code,name,bureau\n０７９３,ハローワーク東山,福島労働局\n".encode()
    run("offices", data, root)
    assert Office.objects.get(code="0793").name == "ハローワーク東山"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        ("求職番号,氏名\n".encode("cp932"), None, "必要な列"),
        (b"foo,bar\n1,2\n", None, "知らない列"),
        (b"", None, "空"),
        ((EXAMPLES / "seekers_cp932.csv").read_bytes(), "utf-8", "UTF-8"),
        ("求職番号,氏名\n田中".encode() + b"\xff\xfe\n", None, "2行目"),
        (b"\x81\x7f\x82", "cp932", "CP932"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole_with_a_clear_message(
    root, data, encoding, expected
):
    with pytest.raises(ValidationError) as error:
        run("seekers", data, root, encoding=encoding)
    assert expected in " ".join(error.value.messages)
    assert not AuditEvent.objects.filter(action__startswith="registry.").exists()


def test_only_someone_with_the_import_permission_may_import(alice):
    with pytest.raises(PermissionDenied):
        run("offices", (EXAMPLES / "offices.csv").read_bytes(), alice.user, dry_run=True)


def test_the_command_reports_each_line_and_refuses_a_file_with_refused_lines(root):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "registry_import", "offices", str(EXAMPLES / "offices.csv"), "--by", "root",
        "--dry-run", "--progress-every", "1", stdout=out, stderr=err,
    )  # fmt: skip
    assert "2行目 line 2  0791  新規 created" in out.getvalue()
    assert "確認 checked 1/2" in err.getvalue() and not Office.objects.exists()
    call_command(
        "registry_import",
        "offices",
        str(EXAMPLES / "offices.csv"),
        "--by",
        "root",
        stdout=out,
        stderr=err,
    )
    assert Office.objects.count() == 2
    bad = EXAMPLES.parent / "does-not-exist.csv"
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("registry_import", "offices", str(bad), "--by", "root")


def test_the_command_with_a_refused_line_writes_nothing_unless_told(root, tmp_path):
    path = tmp_path / "offices.csv"
    path.write_text("安定所番号,名称,労働局\n0791,緑ヶ丘,福島労働局\n07X,桜川,福島労働局\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="--skip-refused"):
        call_command("registry_import", "offices", str(path), "--by", "root", stdout=out)
    assert "3行目 line 3" in out.getvalue() and "1列目「安定所番号」" in out.getvalue()
    assert not Office.objects.exists()
    call_command(
        "registry_import", "offices", str(path), "--by", "root", "--skip-refused", stdout=out
    )
    assert list(Office.objects.values_list("code", flat=True)) == ["0791"]


def test_the_admin_import_shows_the_dry_run_then_imports_on_confirm_with_audit(root):
    client = client_for(root)
    url = reverse("admin:hellowork_office_import")
    assert client.get(url).status_code == 200
    upload = io.BytesIO((EXAMPLES / "offices.csv").read_bytes())
    upload.name = "offices.csv"
    response = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "0791" in page and "新規" in page and not Office.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="registry.").exists()
    confirm = response.context["confirm_form"]
    response = client.post(
        reverse("admin:hellowork_office_process_import"),
        {name: confirm.initial.get(name, "") for name in confirm.fields},
    )
    assert response.status_code == 302
    assert Office.objects.count() == 2
    event = AuditEvent.objects.get(action="registry.imported")
    assert event.actor == root and event.detail["counts"]["created"] == 2
    assert AuditEvent.objects.filter(action="registry.created").count() == 2


def test_the_admin_import_shows_an_unreadable_file_clearly(root):
    client = client_for(root)
    upload = io.BytesIO(b"\x81\x7f")
    upload.name = "seekers.csv"
    response = client.post(
        reverse("admin:hellowork_jobseeker_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert "CP932" in response.content.decode()


def test_the_admin_import_needs_the_import_permission(db):
    user = factories.UserFactory(username="editor", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_jobseeker", "change_jobseeker"])
    )
    client = client_for(user)
    url = reverse("admin:hellowork_jobseeker_import")
    assert client.get(url).status_code == 403
    assert client.post(reverse("admin:hellowork_jobseeker_process_import"), {}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="import_jobseeker"))
    assert client_for(User.objects.get(pk=user.pk)).get(url).status_code == 200


def test_the_documented_columns_are_the_ones_read():
    page = (Path(__file__).resolve().parents[2] / "docs" / "registry-import.md").read_text()
    for kind in registry_import.KINDS:
        for column in registry_import.COLUMNS[kind]:
            assert f"`{column.ja}`" in page, (kind, column.ja)


def test_a_wage_range_upside_down_is_refused_on_its_column(root):
    import_examples(root)
    data = "求人番号,事業所番号,職種,賃金下限,賃金上限\n07910-00000103,0791-100001-1,倉庫作業,３００，０００円,200000\n".encode()
    report = run("postings", data, root, dry_run=True)
    assert report.lines[0].outcome == "refused" and report.lines[0].column == "賃金下限"
    assert "wage" in report.lines[0].reason_en


def test_a_retired_seeker_is_not_missing_and_an_import_does_not_restore_it(root):
    import_examples(root)
    seeker = JobSeeker.objects.get(number="07910-00001001")
    services.registry_retire(record=seeker, by=root)
    report = run("seekers", (EXAMPLES / "seekers_cp932.csv").read_bytes(), root)
    assert "07910-00001001" not in report.missing and "07910-00001002" in report.missing
    report = run("seekers", (EXAMPLES / "seekers.csv").read_bytes(), root)
    assert report.lines[0].outcome == "unchanged"
    seeker.refresh_from_db()
    assert seeker.retired_at is not None
