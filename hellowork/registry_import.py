"""Reading the main system's registry exports (DESIGN.md rule 13, issue 16): the file's
bytes to lines, each line to the values of one record, and a plan per line (created,
changed with the field names, unchanged, or refused with the line, the column and the
reason in Japanese and English). Nothing here writes: `hellowork.services.registry_import`
applies a plan, in one transaction per file, through the registry's services.

The columns of each kind, with the Japanese headers the main system's CSV has and the
English ones also accepted, are in docs/registry-import.md (kept in step by a test).
Numbers are normalised (NFKC, dash look-alikes to "-": hellowork.identifiers); names are
kept as written, byte for byte (an old-form 髙 or 﨑 is the person's name), only
surrounding spaces removed; kana readings are NFKC-normalised (half-width ｶﾅ to full-width);
dates may be Gregorian or in the era (hellowork.wareki.parse_date).
"""

import copy
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from hellowork.identifiers import SHAPES, normalize
from hellowork.models import (
    KANA_REGEX,
    EmploymentType,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    PostingStatus,
    StaffMember,
    StaffRole,
    User,
)
from hellowork.wareki import parse_date

KINDS = ("offices", "staff", "establishments", "postings", "seekers")
ENCODINGS = ("utf-8", "cp932")
MAX_FILE_BYTES = 50 * 1024 * 1024  # a prefecture's seekers fit many times over


class RegistryFileError(ValueError):
    """The file as a whole cannot be read (encoding, header): nothing is imported. The
    message is in the active language and says what to do."""


class _Refused(Exception):
    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# -- reading the file --------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One record of the file: `number` is the line of the file it starts on (the header
    is line 1), `cells` the header's column names to the cell's text as written."""

    number: int
    cells: dict[str, str]


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding used. `encoding` "utf-8" or "cp932" (also
    "shift_jis", "sjis"); None guesses: UTF-8 (with or without a byte-order mark) if the
    whole file is UTF-8, else CP932 -- unless the file had valid UTF-8 Japanese before the
    first bad byte, which is a damaged UTF-8 file, not a CP932 one (guessing CP932 there
    would import garbled names). RegistryFileError names the line of the first bad byte."""
    if len(data) > MAX_FILE_BYTES:
        raise RegistryFileError(
            _("ファイルが大きすぎます（%(max)d MBまで）。分けて取り込んでください。")
            % {"max": MAX_FILE_BYTES // (1024 * 1024)}
        )
    wanted = (encoding or "").lower().replace("_", "-")
    if wanted in ("shift-jis", "sjis", "cp932", "ms932", "windows-31j"):
        wanted = "cp932"
    elif wanted in ("utf8", "utf-8", "utf-8-sig"):
        wanted = "utf-8"
    elif wanted:
        raise RegistryFileError(
            _("文字コード「%(encoding)s」は使えません。utf-8 か cp932 を指定してください。")
            % {"encoding": encoding}
        )
    if wanted in ("utf-8", ""):
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as error:
            utf8_error = error
        if wanted == "utf-8" or any(byte >= 0x80 for byte in data[: utf8_error.start]):
            raise RegistryFileError(
                _(
                    "ファイルをUTF-8として読めません（%(line)d行目に読めない文字があります）。"
                    "シフトJIS（CP932）のファイルなら、文字コードにcp932を指定してください。"
                )
                % {"line": _line_of(data, utf8_error.start)}
            )
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as error:
        raise RegistryFileError(
            _(
                "ファイルをシフトJIS（CP932）としてもUTF-8としても読めません"
                "（%(line)d行目に読めない文字があります）。"
                "本体システムから出力したCSVファイルか確かめてください。"
            )
            % {"line": _line_of(data, error.start)}
        ) from None


def read_lines(text: str) -> tuple[list[str], list[Line]]:
    """The header (as written) and the records of a CSV text; blank lines are skipped.
    A record's number is the file line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    lines: list[Line] = []
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            cells = {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)}
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                cells[_EXTRA] = ",".join(row[len(header) :])
            lines.append(Line(number=start, cells=cells))
    except csv.Error as error:
        raise RegistryFileError(
            _("%(line)d行目がCSVとして読めません（引用符の閉じ忘れなど）。")
            % {"line": reader.line_num}
        ) from error
    if header is None:
        raise RegistryFileError(_("ファイルが空です。1行目に見出しが必要です。"))
    return header, lines


_EXTRA = "\x00extra"  # cells beyond the header's columns
_KEEP = object()  # an empty cell of a choice: the field keeps its value (or its default)


# -- columns -----------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return re.sub(r"[\s_・]", "", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True)
class Column:
    """One column of a kind: `field` the value's name in a plan (a model field, or
    "office"/"establishment" for a number that refers to one), `ja` the main system's
    header, `en` the English headers also accepted. `required` columns must be in the
    header and filled on every line; an optional column missing from the header leaves
    that field as it is."""

    field: str
    ja: str
    en: tuple[str, ...]
    parse: Callable[[str], Any]
    required: bool = True
    model_field: tuple[type[models.Model], str] | None = None  # only if the model has it

    def available(self) -> bool:
        if self.model_field is None:
            return True
        model, name = self.model_field
        return any(f.name == name for f in model._meta.get_fields())


def _number(shape: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            return SHAPES[shape].clean(text)
        except ValidationError as error:
            raise _Refused(" ".join(error.messages)) from None

    return parse


def _text(text: str) -> str:
    return text.strip()


def _kana(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if value and not re.fullmatch(KANA_REGEX, value):
        raise _Refused(_("カタカナで書いてください（ひらがな・漢字・英字は使えません）。"))
    return value


def _date(text: str) -> datetime.date | None:
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise _Refused(
            _(
                "日付として読めません。「1990-05-17」「1990/5/17」「平成2年5月17日」"
                "「H2.5.17」のように書いてください。"
            )
        ) from None


def _digits(text: str) -> int | None:
    value = re.sub(r"[,\s円]", "", unicodedata.normalize("NFKC", text))
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise _Refused(_("金額は数字だけで書いてください（例: 185000）。"))
    return int(value)


_TRUE = {"1", "true", "yes", "y", "有", "あり", "有り", "はい", "○", "◯", "開設", "開設済"}
_FALSE = {"0", "false", "no", "n", "無", "なし", "無し", "いいえ", "×", "未開設", "-"}


def _flag(text: str) -> bool:
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE or not value:
        return False
    raise _Refused(_("「有」か「無」（または 1 か 0）で書いてください。"))


def _choice(choices: type[models.TextChoices]) -> Callable[[str], object]:
    def parse(text: str) -> object:
        value = unicodedata.normalize("NFKC", text).strip()
        with translation.override("ja"):
            labels = {str(label): choice for choice, label in choices.choices}
        if value in labels:
            return labels[value]
        if value.lower() in choices.values:
            return value.lower()
        if not value:
            return _KEEP
        raise _Refused(
            _("次のどれかで書いてください: %(choices)s") % {"choices": "、".join(labels)}
        )

    return parse


def _email(text: str) -> str:
    return normalize(text).strip()


def _phone(text: str) -> str:
    return normalize(text).strip()


COLUMNS: dict[str, tuple[Column, ...]] = {
    "offices": (
        Column("code", "安定所番号", ("code", "office_code"), _number("office")),
        Column("name", "名称", ("name",), _text),
        Column("bureau", "労働局", ("bureau",), _text),
    ),
    "staff": (
        Column("username", "ログインID", ("login", "username"), _text),
        Column("name", "氏名", ("name",), _text),
        Column("office", "安定所番号", ("office", "office_code"), _number("office")),
        Column("role", "役割", ("role",), _choice(StaffRole), required=False),
        Column("email", "メールアドレス", ("email",), _email, required=False),
    ),
    "establishments": (
        Column("number", "事業所番号", ("number", "establishment_number"), _number("establishment")),
        Column("name", "事業所名", ("name",), _text),
        Column("kana", "事業所名（カナ）", ("kana",), _kana),
        Column("office", "管轄安定所番号", ("office", "office_code"), _number("office")),
        Column("address", "所在地", ("address",), _text, required=False),
        Column("has_mypage", "求人者マイページ", ("has_mypage", "mypage"), _flag, required=False),
    ),
    "postings": (
        Column("number", "求人番号", ("number", "posting_number"), _number("posting")),
        Column("establishment", "事業所番号", ("establishment", "establishment_number"), _number("establishment")),
        Column("title", "職種", ("title",), _text),
        Column("status", "状態", ("status",), _choice(PostingStatus), required=False),
        Column("employment_type", "雇用形態", ("employment_type",), _choice(EmploymentType), required=False),
        Column("work_location", "就業場所", ("work_location",), _text, required=False),
        Column("wage_min", "賃金下限", ("wage_min",), _digits, required=False),
        Column("wage_max", "賃金上限", ("wage_max",), _digits, required=False),
        Column("description", "仕事の内容", ("description",), _text, required=False),
        Column("valid_until", "有効期限", ("valid_until",), _date, required=False, model_field=(JobPosting, "valid_until")),
    ),
    "seekers": (
        Column("number", "求職番号", ("number", "seeker_number"), _number("seeker")),
        Column("name", "氏名", ("name",), _text),
        Column("kana", "氏名（カナ）", ("kana",), _kana),
        Column("birth_date", "生年月日", ("birth_date", "birthdate"), _date),
        Column("office", "登録安定所番号", ("office", "office_code"), _number("office")),
        Column("phone", "電話番号", ("phone",), _phone, required=False),
        Column("email", "メールアドレス", ("email",), _email, required=False),
    ),
}  # fmt: skip


def columns_of(kind: str) -> tuple[Column, ...]:
    return tuple(column for column in COLUMNS[kind] if column.available())


@dataclass(frozen=True)
class Spec:
    model: type[models.Model]  # the record a line is: its pk is what the trail names
    key: str  # the natural number it is matched on


SPECS = {
    "offices": Spec(Office, "code"),
    "staff": Spec(StaffMember, "username"),
    "establishments": Spec(Establishment, "number"),
    "postings": Spec(JobPosting, "number"),
    "seekers": Spec(JobSeeker, "number"),
}


def map_header(kind: str, header: list[str]) -> dict[str, str]:
    """Each column's field to the header cell naming it, Japanese or English. Refuses a
    file whose header misses a required column, names one twice, or has a column this
    kind does not know (a file of another kind, most likely)."""
    known: dict[str, Column] = {}
    for column in columns_of(kind):
        for name in (column.ja, *column.en):
            known[_header_key(name)] = column
    found: dict[str, str] = {}
    unknown: list[str] = []
    for cell in header:
        found_column = known.get(_header_key(cell))
        if found_column is None:
            unknown.append(cell)
        elif found_column.field in found:
            raise RegistryFileError(
                _("見出しに「%(column)s」が2回あります。") % {"column": found_column.ja}
            )
        else:
            found[found_column.field] = cell
    if unknown:
        raise RegistryFileError(
            _(
                "見出しに知らない列があります: %(columns)s。"
                "取り込む種類（%(kind)s）とファイルが合っているか確かめてください。"
            )
            % {"columns": "、".join(unknown), "kind": kind}
        )
    missing = [c.ja for c in columns_of(kind) if c.required and c.field not in found]
    if missing:
        raise RegistryFileError(
            _("見出しに必要な列がありません: %(columns)s。") % {"columns": "、".join(missing)}
        )
    return found


# -- plans -------------------------------------------------------------------------------

CREATED, CHANGED, UNCHANGED, REFUSED = "created", "changed", "unchanged", "refused"


@dataclass
class LinePlan:
    """What importing one line does. `fields` are the field names created or changed
    (never values); a refused line has its `column` (the header as written, and its
    position) and the reason in both languages."""

    line: int
    key: str
    outcome: str
    fields: list[str] = field(default_factory=list)
    column: str = ""
    column_number: int = 0
    reason_ja: str = ""
    reason_en: str = ""
    # For applying: the record, and the values to give it.
    pk: int | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def outcome_label(self) -> str:
        return {
            CREATED: _("新規"),
            CHANGED: _("変更"),
            UNCHANGED: _("変更なし"),
            REFUSED: _("取り込めない"),
        }[self.outcome]

    @property
    def reason(self) -> str:
        """The refusal's reason in the active language."""
        language = translation.get_language() or "ja"
        return self.reason_en if language.startswith("en") else self.reason_ja


PREFETCH_CHUNK = 500


def _column_number(header: list[str], name: str) -> int:
    return header.index(name) + 1 if name in header else 0


class Planner:
    """Plans the lines of one file of one kind against the database as it is (reads
    only). References (an office's code, an establishment's number) are looked up once."""

    def __init__(self, kind: str, header: list[str]) -> None:
        self.kind = kind
        self.spec = SPECS[kind]
        self.header = header
        self.mapping = map_header(kind, header)
        self.columns = [c for c in columns_of(kind) if c.field in self.mapping]
        self.seen: dict[str, int] = {}
        self._offices: dict[str, Office | None] = {}
        self._establishments: dict[str, Establishment | None] = {}
        self._existing: dict[str, models.Model] | None = None

    def prefetch(self, lines: list[Line]) -> None:
        """Looks up the records the file's numbers name, a chunk of numbers per query
        instead of one query per line (a prefecture's seekers are tens of thousands)."""
        if self.kind == "staff":
            return
        header = self.mapping[self.spec.key]
        keys = sorted({normalize(line.cells.get(header, "")) for line in lines})
        manager = self.spec.model._default_manager
        self._existing = {}
        for start in range(0, len(keys), PREFETCH_CHUNK):
            chunk = keys[start : start + PREFETCH_CHUNK]
            for record in manager.filter(**{f"{self.spec.key}__in": chunk}):
                self._existing[getattr(record, self.spec.key)] = record

    # References to records that must exist before (import offices first, then staff,
    # establishments, postings and seekers).
    def _office(self, code: str) -> Office:
        if code not in self._offices:
            self._offices[code] = Office.objects.filter(code=code).first()
        office = self._offices[code]
        if office is None:
            raise _Refused(
                _(
                    "安定所番号 %(code)s の安定所が登録されていません。先に安定所を取り込んでください。"
                )
                % {"code": code}
            )
        return office

    def _establishment(self, number: str) -> Establishment:
        if number not in self._establishments:
            self._establishments[number] = Establishment.objects.filter(number=number).first()
        establishment = self._establishments[number]
        if establishment is None:
            raise _Refused(
                _(
                    "事業所番号 %(number)s の事業所が登録されていません。先に事業所を取り込んでください。"
                )
                % {"number": number}
            )
        return establishment

    def plan(self, line: Line) -> LinePlan:
        """The plan of one line; a refused line's reason is given in Japanese and in
        English (the line is planned again in English: planning is reads only)."""
        try:
            with translation.override("ja"):
                return self._plan(line)
        except _Refused as refused_ja:
            try:
                with translation.override("en"):
                    self._plan(line, checking_duplicates=False)
            except _Refused as refused_en:
                english = refused_en.message
            else:  # pragma: no cover - the same reads give the same answer
                english = refused_ja.message
            key_cell = line.cells.get(self.mapping[self.spec.key], "")
            column = refused_ja.column or ""
            return LinePlan(
                line=line.number,
                key=normalize(key_cell)[:40],
                outcome=REFUSED,
                column=column,
                column_number=_column_number(self.header, column),
                reason_ja=refused_ja.message,
                reason_en=english,
            )

    def _values(self, line: Line) -> dict[str, Any]:
        if _EXTRA in line.cells:
            raise _Refused(_("見出しより列が多い行です。区切りのカンマを確かめてください。"))
        values: dict[str, Any] = {}
        for column in self.columns:
            header = self.mapping[column.field]
            text = line.cells.get(header, "")
            if column.required and not text.strip():
                raise _Refused(_("この列は空にできません。"), header)
            try:
                value = column.parse(text)
                if column.field == "office":
                    value = self._office(value)
                elif column.field == "establishment":
                    value = self._establishment(value)
            except _Refused as refused:
                raise _Refused(refused.message, header) from None
            if value is not _KEEP:
                values[column.field] = value
        return values

    def _plan(self, line: Line, *, checking_duplicates: bool = True) -> LinePlan:
        values = self._values(line)
        key = values[self.spec.key]
        if checking_duplicates:
            first = self.seen.setdefault(key, line.number)
        else:
            first = self.seen.get(key, line.number)
        if first != line.number:
            raise _Refused(
                _("同じ番号が%(line)d行目にもあります。1つのファイルに1行だけにしてください。")
                % {"line": first},
                self.mapping[self.spec.key],
            )
        if self.kind == "staff":
            return self._plan_staff(line, values)
        return self._plan_record(line, values)

    def _refusal_of(self, error: ValidationError) -> _Refused:
        """A model's validation error as a refusal naming the column of the first field
        (a field outside the file's columns, or a whole-record error, names no column)."""
        by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        name, messages = next(iter(by_field.items()))
        column = self.mapping.get(name)
        if column is None and name in ("user", "username"):
            column = self.mapping.get("username")
        return _Refused(" ".join(messages), column)

    def _diff(self, instance: models.Model, values: dict[str, Any]) -> list[str]:
        changed = []
        for name, value in values.items():
            model_field = instance._meta.get_field(name)
            if model_field.is_relation:
                if getattr(instance, f"{name}_id") != value.pk:
                    changed.append(name)
            elif getattr(instance, name) != value:
                changed.append(name)
        return changed

    def _check(self, instance: models.Model, values: dict[str, Any], **kwargs: Any) -> None:
        for name, value in values.items():
            setattr(instance, name, value)
        try:
            instance.full_clean(**kwargs)
        except ValidationError as error:
            raise self._refusal_of(error) from None

    def _check_record(self, instance: models.Model, values: dict[str, Any]) -> None:
        """A record's fields (lengths, choices, e-mail...): its number and its references
        were read and looked up above, its kana checked, and the one constraint left (a
        posting's wage range) is checked here, so the per-row queries of full_clean's
        unique, constraint and foreign-key checks are skipped (the database still enforces
        them all)."""
        relations = [f.name for f in instance._meta.get_fields() if f.is_relation]
        self._check(instance, values, exclude=relations, validate_unique=False,
                    validate_constraints=False)  # fmt: skip
        low, high = getattr(instance, "wage_min", None), getattr(instance, "wage_max", None)
        if low is not None and high is not None and low > high:
            raise _Refused(
                _("賃金の下限が上限より高くなっています。"),
                self.mapping.get("wage_min" if "wage_min" in values else "wage_max"),
            )

    def _plan_record(self, line: Line, values: dict[str, Any]) -> LinePlan:
        model, key = self.spec.model, self.spec.key
        if self._existing is not None:
            existing = self._existing.get(values[key])
        else:
            existing = model._default_manager.filter(**{key: values[key]}).first()
        if existing is None:
            self._check_record(model(), values)
            return LinePlan(line.number, values[key], CREATED, sorted(values), values=values)
        changes = {name: values[name] for name in self._diff(existing, values)}
        if not changes:
            return LinePlan(line.number, values[key], UNCHANGED, pk=existing.pk)
        self._check_record(copy.copy(existing), changes)
        return LinePlan(
            line.number, values[key], CHANGED, sorted(changes), pk=existing.pk, values=changes
        )

    def _plan_staff(self, line: Line, values: dict[str, Any]) -> LinePlan:
        username = values["username"]
        user_values: dict[str, Any] = {k: values[k] for k in ("name", "email") if k in values}
        staff_values: dict[str, Any] = {k: values[k] for k in ("office", "role") if k in values}
        user = User.objects.filter(username=username).first()
        if user is None:
            new_user = User(username=username, kind=User.Kind.STAFF)
            new_user.set_unusable_password()
            self._check(new_user, user_values)
            self._check(StaffMember(), staff_values, exclude=["user"])
            fields = sorted({"username", *user_values, *staff_values})
            return LinePlan(line.number, username, CREATED, fields, values=values)
        staff = StaffMember.objects.filter(user=user).first()
        if user.kind != User.Kind.STAFF or staff is None:
            raise _Refused(
                _("このログインIDは職員のものではありません（求人者の利用者などです）。"),
                self.mapping["username"],
            )
        user_changes = {name: user_values[name] for name in self._diff(user, user_values)}
        staff_changes = {name: staff_values[name] for name in self._diff(staff, staff_values)}
        if not user_changes and not staff_changes:
            return LinePlan(line.number, username, UNCHANGED, pk=staff.pk)
        if user_changes:
            self._check(user, user_changes)
        if staff_changes:
            self._check(staff, staff_changes)
        return LinePlan(
            line.number,
            username,
            CHANGED,
            sorted({*user_changes, *staff_changes}),
            pk=staff.pk,
            values={**user_changes, **staff_changes},
        )

    def missing(self, keys: Iterable[str]) -> list[str]:
        """The current records of this kind the database has and the file does not:
        reported, never removed (an export may be partial). Retired seekers and
        establishments are not missing; a retired one the file lists is imported like any
        other and stays retired (restoring is the admin's `registry_restore`)."""
        present = set(keys)
        if self.kind == "staff":
            all_keys: Iterator[str] = iter(
                StaffMember.objects.order_by("user__username").values_list(
                    "user__username", flat=True
                )
            )
        else:
            records = self.spec.model._default_manager.order_by(self.spec.key)
            if any(f.name == "retired_at" for f in self.spec.model._meta.get_fields()):
                records = records.filter(retired_at__isnull=True)  # retired: not missing
            all_keys = iter(records.values_list(self.spec.key, flat=True))
        return [key for key in all_keys if key not in present]


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do) with each line of one file."""

    kind: str
    encoding: str
    dry_run: bool
    lines: list[LinePlan]
    missing: list[str]  # the numbers (logins) of records the file lacks: kept, not removed
    applied: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CREATED, CHANGED, UNCHANGED, REFUSED), 0)
        for plan in self.lines:
            counts[plan.outcome] += 1
        return counts

    @property
    def refused(self) -> list[LinePlan]:
        return [plan for plan in self.lines if plan.outcome == REFUSED]
