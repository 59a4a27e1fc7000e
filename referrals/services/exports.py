"""The employer's applicant list as a CSV file (issue 20; DESIGN.md rules 7 and 10).

An export shows personal data like the list does, so it is traced like a view of the list
(`disclosure.exported`, naming every disclosure written and the row count). Its rows come
from the same selector as the list (`selectors.applicants_for_member`: held, recalled,
retracted, quarantined, erased and protection-excluded applicants are never in it), and
each row is checked against the requesting member's establishment right before it is
written: a row of another establishment stops the whole export (nothing is handed out),
is logged at CRITICAL with ids only, and traced (`disclosure.export_refused`, committed
before the refusal is raised). The selector cannot return such a row; the check is there
for the day a change makes it (another company's rows in a download is how job sites
have leaked)."""

import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.models import EmployerMember
from referrals import selectors
from referrals.exports import CsvFile, CsvWriter
from referrals.models import Disclosure, SelectionOutcome
from referrals.services._shared import _require_active_member

logger = logging.getLogger(__name__)


class ExportRefused(PermissionDenied):
    """An export stopped because a row was not the requester's establishment's."""


class _ForeignRow(Exception):
    def __init__(self, disclosure: Disclosure, written: int) -> None:
        self.disclosure = disclosure
        self.written = written


def applicant_export_header() -> list[str]:
    """The columns, in the reader's language: what the applicant list shows.

    Refuses: nothing.
    """
    return [
        _("紹介日"),
        _("氏名"),
        _("フリガナ"),
        _("年齢（紹介日時点）"),
        _("求人番号"),
        _("職種"),
        _("紹介コード"),
        _("選考結果"),
    ]


def _result_label(current: str | None) -> str:
    if current is None or current == "":
        return _("未記録")
    if current in SelectionOutcome.values:
        return str(SelectionOutcome(current).label)
    return current  # a value added later: as stored rather than a wrong 未記録


def _applicant_cells(row: Disclosure) -> Sequence[Any]:
    return [
        row.referral_date.isoformat(),
        row.seeker_name,
        row.seeker_kana,
        row.seeker_age,
        row.posting_number,
        row.posting_title,
        row.referral_code,
        _result_label(getattr(row, "current_result", None)),
    ]


def applicants_export(
    *, member: EmployerMember, encoding: str, posting_number: str = "", result: str = ""
) -> CsvFile:
    """The member's establishment's visible applicants as CSV (`encoding` "utf-8-sig" or
    "cp932", see referrals.exports), newest first, narrowed like the list
    (`posting_number`, `result`: "", "none", "hired" or "not_hired"). One query for the
    rows however many there are, then one audit event. Raises ExportRefused (nothing
    handed out, the refusal traced) when a row's establishment is not the member's;
    ValueError for an unknown encoding.

    Refuses:
        PermissionDenied:
            - "Only employer my page users can do this."
    """
    _require_active_member(member)
    with transaction.atomic():
        try:
            return _export(member, encoding, posting_number, result)
        except _ForeignRow as stop:
            logger.critical(
                "applicant export stopped: disclosure %s of establishment %s in the export of "
                "establishment %s (member %s) after %s rows",
                stop.disclosure.pk,
                stop.disclosure.establishment_id,
                member.establishment_id,
                member.pk,
                stop.written,
            )
            audit.record(
                "disclosure.export_refused",
                actor=member.user,
                target=member.establishment,
                detail={
                    "disclosure_id": stop.disclosure.pk,
                    "row_establishment_id": stop.disclosure.establishment_id,
                    "establishment_id": member.establishment_id,
                    "rows_before": stop.written,
                },
            )
    raise ExportRefused(
        _(
            "書き出しを中止しました。貴事業所以外の応募者が含まれそうになったためです。"
            "ファイルは作成していません。ハローワークにご連絡ください。"
        )
    )


def _export(member: EmployerMember, encoding: str, posting_number: str, result: str) -> CsvFile:
    requester = member.establishment_id
    writer = CsvWriter(header=applicant_export_header(), encoding=encoding)
    written: list[int] = []
    rows = selectors.applicants_for_member(
        member=member, posting_number=posting_number, result=result
    )
    for row in rows:
        # Right before it is written: this row is the requester's (defence in depth).
        if row.establishment_id != requester:
            raise _ForeignRow(row, len(written))
        writer.row(_applicant_cells(row))
        written.append(row.pk)
    csv_file = writer.finish()
    audit.record(
        "disclosure.exported",
        actor=member.user,
        target=member.establishment,
        detail={
            "disclosure_ids": written,
            "rows": csv_file.rows,
            "encoding": encoding,
            "replaced_cells": csv_file.replaced_cells,
            "posting_number": posting_number,
            "result": result,
        },
    )
    return csv_file
