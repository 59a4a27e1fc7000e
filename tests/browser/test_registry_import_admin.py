"""The registry import in the admin, in a real browser (issue 16): an administrator signs
in (password and authenticator), uploads the CP932 example of seekers, reads the trial
line by line (nothing written yet), confirms, and the seekers are there with 髙 and 﨑
intact. Each page passes axe-core and fits a 375 px phone; with SCREENSHOTS=1 the trial
is saved for the README."""

from pathlib import Path

import pytest

from hellowork.models import AuditEvent, JobSeeker
from tests import factories
from tests.browser.conftest import log_in
from tests.browser.test_screens_in_both_languages import in_language
from tests.factories import TEST_PASSWORD

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "registry"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_administrator_imports_seekers_after_reading_the_trial(
    browser, live_server, koriyama, language, tmp_path
):
    factories.OfficeFactory(code="0791", name="ハローワーク緑ヶ丘")
    factories.OfficeFactory(code="0792", name="ハローワーク桜川")
    factories.UserFactory(username="root", name="Root", is_staff=True, is_superuser=True)
    admin = in_language(browser, live_server, language)
    log_in(admin, side="counter", username="root", password=TEST_PASSWORD)
    admin.visit("/admin/hellowork/jobseeker/import/")
    upload = tmp_path / "seekers.csv"  # the CP932 example and a line in hiragana
    upload.write_bytes(
        (EXAMPLES / "seekers_cp932.csv").read_bytes()
        + "07910-00001013,新井 一,あらい はじめ,平成3年5月3日,0791,\r\n".encode("cp932")
    )
    admin.page.locator("#id_import_file").set_input_files(str(upload))
    with admin.page.expect_navigation():
        admin.page.locator("form input[type=submit]").click()
    admin.check()
    table = admin.page.locator("table.import-preview")
    assert table.locator("tbody tr").count() == 4
    assert "07910-00001011" in table.inner_text()
    refused = table.locator("tbody tr.refused").inner_text()
    assert "5" in refused and "氏名（カナ）" in refused
    assert ("katakana" if language == "en" else "カタカナ") in refused
    assert not JobSeeker.objects.exists()  # the trial wrote nothing
    admin.shoot(f"admin-registry-import-trial-{language}")
    with admin.page.expect_navigation():
        admin.page.locator("input[name=confirm]").click()
    # Back on Django's own seeker list (not measured: its table is Django's), with the count.
    assert "3" in admin.page.locator("ul.messagelist").inner_text()
    assert set(JobSeeker.objects.values_list("name", flat=True)) == {
        "髙橋 優子",
        "山﨑 翔",
        "髙﨑 恵美",
    }
    assert AuditEvent.objects.filter(action="registry.imported").count() == 1
