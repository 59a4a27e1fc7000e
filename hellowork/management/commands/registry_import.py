from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hellowork import registry_import, services
from hellowork.models import User

OUTCOME_LABELS = {
    registry_import.CREATED: "新規 created",
    registry_import.CHANGED: "変更 changed",
    registry_import.UNCHANGED: "変更なし unchanged",
    registry_import.REFUSED: "取り込めない refused",
}
MISSING_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Imports one CSV export of the main Hello Work system (docs/registry-import.md): "
        "KIND is offices, staff, establishments, postings or seekers. Upserts by number, "
        "never deletes. --dry-run reports each line and writes nothing. Without it, a file "
        "with refused lines is refused whole unless --skip-refused. One transaction per "
        "file; every write is audited as the --by user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=registry_import.KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--by",
            required=True,
            help="the login of who runs the import (the audit trail's actor; needs the "
            "import permission of KIND)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--encoding",
            choices=["utf-8", "cp932", "shift_jis"],
            help="the file's encoding (default: UTF-8 if it is, else CP932)",
        )
        parser.add_argument(
            "--skip-refused",
            action="store_true",
            help="import the other lines of a file that has refused lines (after a dry run)",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=1000,
            help="print progress on stderr every N lines (default 1000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the login {options['by']!r} (--by).")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

        def progress(phase: str, done: int, total: int) -> None:
            label = "確認 checked" if phase == "check" else "書き込み written"
            self.stderr.write(f"{label} {done}/{total}")

        try:
            report = services.registry_import(
                kind=options["kind"],
                data=data,
                by=user,
                dry_run=options["dry_run"],
                encoding=options["encoding"],
                skip_refused=options["skip_refused"],
                progress=progress,
                progress_every=max(1, options["progress_every"]),
            )
        except services.ImportRefused as refused:
            self._write_report(refused.report)
            raise CommandError(
                f"{refused.messages[0]} (Nothing imported: "
                f"{refused.report.counts['refused']} line(s) refused. Fix them, or run "
                "again with --skip-refused to import the other lines.)"
            ) from None
        except PermissionDenied as error:
            raise CommandError(str(error) or "Permission denied.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._write_report(report)

    def _write_report(self, report: registry_import.ImportReport) -> None:
        """One line per record: its number (never a name), what the import does with it,
        the fields changed, or why it is refused, in Japanese and English."""
        for plan in report.lines:
            text = f"{plan.line}行目 line {plan.line}  {plan.key}  {OUTCOME_LABELS[plan.outcome]}"
            if plan.outcome in (registry_import.CREATED, registry_import.CHANGED):
                text += f"  ({', '.join(plan.fields)})"
            if plan.outcome == registry_import.REFUSED:
                where = (
                    f"{plan.column_number}列目「{plan.column}」 column {plan.column_number} "
                    f"({plan.column})  "
                    if plan.column
                    else ""
                )
                self.stdout.write(
                    self.style.ERROR(f"{text}  {where}{plan.reason_ja} / {plan.reason_en}")
                )
            else:
                self.stdout.write(text)
        counts = report.counts
        summary = ", ".join(f"{OUTCOME_LABELS[name]} {count}" for name, count in counts.items())
        if report.missing:
            shown = ", ".join(report.missing[:MISSING_SHOWN])
            more = " ..." if len(report.missing) > MISSING_SHOWN else ""
            self.stdout.write(
                self.style.WARNING(
                    f"ファイルにない登録 {len(report.missing)}件（削除しません） / "
                    f"{len(report.missing)} record(s) not in the file (kept, not removed): "
                    f"{shown}{more}"
                )
            )
        if report.dry_run:
            self.stdout.write(f"試行（書き込みなし） dry run, nothing written: {summary}")
        elif not report.applied:
            self.stdout.write(f"取り込みなし nothing imported: {summary}")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"取り込み完了 imported ({report.encoding}): {summary}")
            )
