"""The registry import in the admin (issue 16), on django-import-export's two steps: the
upload runs a dry run and shows every line's outcome (created, changed with the field
names, unchanged, refused with the line, the column and the reason); "confirm" imports the
file again for real, skipping the refused lines, in one transaction, through
`hellowork.services.registry_import` like the command. Needs the model's import
permission (IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import": `hellowork.import_jobseeker`
and so on). django-import-export's own row logic is not used: its Resource here hands the
file's bytes to the service, so the admin and the command cannot drift apart."""

from types import SimpleNamespace
from typing import Any

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from import_export.formats.base_formats import Format
from import_export.resources import Resource
from import_export.results import Error, Result

from hellowork import registry_import, services


class RegistryCSV(Format):
    """A CSV export of the main system, UTF-8 or CP932 (the bytes go to the service, which
    decodes them; read here once so that an unreadable file is a form error at once)."""

    def __init__(self, encoding: str | None = None) -> None:
        self.encoding = encoding  # ignored: the service guesses UTF-8 or CP932

    def get_title(self) -> str:
        return "CSV (UTF-8 / CP932)"

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        text, _encoding = registry_import.decode(in_stream)
        header, lines = registry_import.read_lines(text)
        dataset = tablib.Dataset(headers=header)
        for line in lines:
            dataset.append([line.cells.get(name, "") for name in header])
        dataset.registry_bytes = in_stream
        return dataset

    def can_import(self) -> bool:
        return True

    def get_extension(self) -> str:
        return "csv"

    def get_content_type(self) -> str:
        return "text/csv"


class RegistryResource(Resource):
    kind = ""

    @classmethod
    def get_display_name(cls) -> str:
        return cls.kind

    def get_user_visible_fields(self) -> list[Any]:
        # The columns the import page lists: the main system's headers.
        return [SimpleNamespace(column_name=c.ja) for c in registry_import.columns_of(self.kind)]

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs: Any) -> Result:
        result = Result()
        result.registry_report = None
        try:
            result.registry_report = services.registry_import(
                kind=self.kind,
                data=dataset.registry_bytes,
                by=kwargs["user"],
                dry_run=dry_run,
                skip_refused=True,  # the operator saw the refused lines and confirmed
            )
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            result.append_base_error(Error(text))
        return result


def resource_for(kind: str) -> type[RegistryResource]:
    return type(f"{kind.title()}RegistryResource", (RegistryResource,), {"kind": kind})


class RegistryImportMixin(ImportMixin):
    """ImportMixin for a registry admin: set `import_kind`."""

    import_kind = ""
    import_template_name = "admin/hellowork/registry_import.html"
    import_formats = [RegistryCSV]
    skip_admin_log = True  # the audit trail is the record (registry.imported and the rest)

    def get_resource_classes(self, request: Any) -> list[type[RegistryResource]]:
        return [resource_for(self.import_kind)]

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, registry_import.RegistryFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def generate_log_entries(self, result: Result, request: Any) -> None:
        return None

    def add_success_message(self, result: Result, request: Any) -> None:
        report = getattr(result, "registry_report", None)
        if report is None:  # the file changed between the steps and became unreadable
            messages.error(request, " ".join(str(e.error) for e in result.base_errors))
            return
        counts = report.counts
        messages.success(
            request,
            _(
                "取り込みました: 新規 %(created)d件、変更 %(changed)d件、変更なし %(unchanged)d件、"
                "取り込めない行 %(refused)d件。"
            )
            % counts,
        )
