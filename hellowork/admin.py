"""The Django admin inside the audit trail (DESIGN.md rules 10 and 13, issue 16).

Every registry admin is a `RegistryAdmin`: one `save_model` / `delete_model` path for all
of them. A creation goes through `hellowork.services.registry_create` (`registry.created`),
a change through `registry_change` (`registry.changed`, the same path as `seeker_update`
and the others, so a change under a live referral raises its warning alert); both trace
field names, never values. Nothing is deleted: the delete view answers with what to do
instead, and the "retire" action (`registry_retire`) ends a seeker's registration,
retires an establishment (closing its postings), closes a posting or deactivates a login.
Django's own change history (LogEntry, which keeps each record's name) is not written: the
audit trail is the history.

The seeker admin traces what it shows (`seeker.viewed`, `seeker.listed`, screen "admin")
and has no search box in the URL: a number or a name is posted to its search page, and
the answer lists the matches in the response. The users' admin searches the same way.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hellowork import services as registry_services
from hellowork.admin_import import RegistryImportMixin
from hellowork.identifiers import normalize
from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    User,
)
from hellowork.name_keys import kana_key, name_key
from hellowork.selectors import active_protection

if TYPE_CHECKING:
    # Generic in django-stubs only: Django's own classes take no [...] at runtime.
    ModelAdmin = admin.ModelAdmin[models.Model]
    UserAdminBase = DjangoUserAdmin[User]
    RecordForm = forms.ModelForm[models.Model]
else:
    ModelAdmin = admin.ModelAdmin
    UserAdminBase = DjangoUserAdmin

admin.site.site_header = gettext_lazy("ハローワーク紹介システム 管理")
admin.site.site_title = gettext_lazy("ハローワーク紹介システム")


def request_admin(request: HttpRequest) -> User:
    """The administrator (the admin site lets only active staff users in)."""
    assert isinstance(request.user, User)
    return request.user


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("この操作を行う権限がありません。")


class RegistryAdmin(ModelAdmin):
    """The one save and delete path of every registry admin (module docstring).

    `retire_action_label` names the action that replaces deleting; `delete_refusal` is
    what the delete view answers."""

    retire_action_label: Any = None
    delete_refusal: Any = gettext_lazy(
        "登録情報は削除できません。記録や監査ログが参照しているためです。"
    )

    # -- writes ---------------------------------------------------------------------

    def create_record(self, request: HttpRequest, values: dict[str, Any]) -> models.Model:
        return registry_services.registry_create(
            model=self.model, by=request_admin(request), values=values
        )

    def change_record(
        self, request: HttpRequest, obj: models.Model, changes: dict[str, Any]
    ) -> models.Model:
        return registry_services.registry_change(
            record=obj, by=request_admin(request), changes=changes
        )

    def creation_values(self, obj: models.Model, form: RecordForm) -> dict[str, Any]:
        """The fields the form let the administrator set, read from the unsaved object the
        form built (a relation as its id)."""
        names = set(form.fields)
        return {
            field.name: getattr(obj, field.attname)
            for field in obj._meta.concrete_fields
            if field.name in names
        }

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: RecordForm, change: bool
    ) -> None:
        if change:
            model_fields = {field.name for field in obj._meta.concrete_fields}
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in model_fields
            }
            saved = self.change_record(request, obj, changes)
        else:
            saved = self.create_record(request, self.creation_values(obj, form))
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(
        self, request: HttpRequest, form: RecordForm, formsets: Any, change: bool
    ) -> None:
        """No registry admin edits a many-to-many field or an inline: they would be
        written without a trace. Refuse loudly rather than save them silently."""
        many = [field.name for field in self.model._meta.many_to_many if field.name in form.fields]
        if many or formsets:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: many-to-many fields and inlines need a service first"
            )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        raise PermissionDenied(self.delete_refusal)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        raise PermissionDenied(self.delete_refusal)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """Refused with what to do instead; nothing is changed."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            # Django's own "does not exist" answer (private to ModelAdmin, absent from the stubs).
            missing: HttpResponse = self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
            return missing
        message = str(self.delete_refusal)
        if self.retire_action_label is not None:
            message += " " + _("代わりに一覧の操作「%(action)s」を使ってください。") % {
                "action": self.retire_action_label
            }
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
        )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        """A refusal the form could not foresee (a race, a rule of the service) comes back
        as a message on the same page; the admin's transaction has rolled back."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            if request.method != "POST":
                raise
            self.message_user(request, _message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # -- the admin's own history: the audit trail is the history ---------------------

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        return []

    # -- retiring -----------------------------------------------------------------------

    actions: Any = ["retire_selected", "restore_selected"]
    restore_action_label: Any = None

    def get_action(self, action: Any, action_location: Any = ActionLocation.CHANGE_LIST) -> Any:
        found = super().get_action(action, action_location)
        labels = {
            "retire_selected": self.retire_action_label,
            "restore_selected": self.restore_action_label,
        }
        if found is not None and found.name in labels:
            if labels[found.name] is None:
                return None
            label = str(labels[found.name])
            return dataclasses.replace(found, description=label, plural_description=label)
        return found

    @admin.action(permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """A retirement made by mistake undone (registry_restore), all or nothing."""
        self._each(request, queryset, registry_services.registry_restore)

    @admin.action(permissions=["change"])
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """What replaces a delete (registry_retire), all or nothing."""
        self._each(request, queryset, registry_services.registry_retire)

    def _each(self, request: HttpRequest, queryset: QuerySet[Any], service: Any) -> None:
        """All or nothing: one record refused (already retired, your own login) changes
        none of them."""
        try:
            with transaction.atomic():
                count = 0
                for record in queryset.order_by("pk"):
                    service(record=record, by=request_admin(request))
                    count += 1
        except (ValidationError, PermissionDenied) as error:
            self.message_user(
                request,
                _("何も変更していません。") + " " + _message(error),
                messages.ERROR,
            )
            return
        self.message_user(
            request, _("%(count)d件を処理しました。") % {"count": count}, messages.SUCCESS
        )


# -- searches that never put what was typed in a URL ---------------------------------


class PostedSearchForm(forms.Form):
    term = forms.CharField(label=gettext_lazy("検索"), max_length=100)


class PostedSearchAdmin(RegistryAdmin):
    """No GET search box (its term would sit in the URL, the browser's history and the
    server's log): the change list carries a form that posts the term to `search/`, whose
    answer lists the matches with links by id. `posted_search` finds them;
    `posted_search_columns` are (label, attribute) pairs shown."""

    change_list_template = "admin/hellowork/posted_search_change_list.html"
    search_fields = ()
    posted_search_help: Any = ""
    posted_search_columns: Any = ()
    POSTED_SEARCH_LIMIT = 50

    def posted_search(self, request: HttpRequest, term: str) -> tuple[QuerySet[Any], str]:
        raise NotImplementedError

    def posted_search_trace(self, request: HttpRequest, found: list[Any], kind: str) -> None:
        return None

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "search/",
                self.admin_site.admin_view(self.posted_search_view),
                name="{}_{}_posted_search".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "posted_search_form": PostedSearchForm(),
            "posted_search_help": self.posted_search_help,
            "posted_search_url": self._posted_search_url(),
        }
        return super().changelist_view(request, extra_context)

    def _posted_search_url(self) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_posted_search",
            current_app=self.admin_site.name,
        )

    def posted_search_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = PostedSearchForm(request.POST or None)
        rows: list[tuple[str, list[Any]]] | None = None
        more = False
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    queryset, kind = self.posted_search(request, form.cleaned_data["term"])
                except ValidationError as error:
                    form.add_error("term", error)
                else:
                    found = list(queryset[: self.POSTED_SEARCH_LIMIT + 1])
                    more = len(found) > self.POSTED_SEARCH_LIMIT
                    found = found[: self.POSTED_SEARCH_LIMIT]
                    self.posted_search_trace(request, found, kind)
                    rows = [
                        (
                            reverse(
                                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                args=[obj.pk],
                                current_app=self.admin_site.name,
                            ),
                            [
                                _column(obj, attribute)
                                for _label, attribute in self.posted_search_columns
                            ],
                        )
                        for obj in found
                    ]
            if form.errors:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("%(name)sの検索") % {"name": self.opts.verbose_name},
            "form": form,
            "help": self.posted_search_help,
            "posted_search_url": self._posted_search_url(),
            "labels": [label for label, _attribute in self.posted_search_columns],
            "rows": rows,
            "more": more,
            "limit": self.POSTED_SEARCH_LIMIT,
        }
        return TemplateResponse(
            request, "admin/hellowork/posted_search.html", context, status=status
        )


def _column(obj: Any, attribute: str) -> Any:
    value = obj
    for part in attribute.split("__"):
        value = getattr(value, part)
        if callable(value):
            value = value()
    return value


class RetiredFilter(admin.SimpleListFilter):
    title = gettext_lazy("状態")
    parameter_name = "retired"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("現役")), ("yes", _("廃止・登録終了"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(retired_at__isnull=False)
        return queryset


# -- the registry -----------------------------------------------------------------------


@admin.register(Office)
class OfficeAdmin(RegistryImportMixin, RegistryAdmin):
    import_kind = "offices"  # the registry import (hellowork.admin_import)
    fields = ["code", "name", "bureau", "address", "phone", "fax", "issues_without_call"]
    list_display = ["code", "name", "bureau", "issues_without_call"]
    search_fields = ["code", "name"]
    delete_refusal = gettext_lazy(
        "安定所は削除できません。職員・求職者・事業所と記録が参照しているためです。"
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["code"] if obj is not None else []


# The administrator's password change, routed through the service: Django's view saves the
# form itself, so the form learns who the administrator is from this request's context.
_password_admin: contextvars.ContextVar[User | None] = contextvars.ContextVar(
    "password_admin", default=None
)


@contextmanager
def _as_password_admin(user: User) -> Iterator[None]:
    token = _password_admin.set(user)
    try:
        yield
    finally:
        _password_admin.reset(token)


class TracedPasswordChangeForm(AdminPasswordChangeForm[User]):
    def save(self, commit: bool = True) -> Any:
        by = _password_admin.get()
        if by is None:
            raise PermissionDenied
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data.get("password1") if usable else None
        self.user = registry_services.user_password_set_by_admin(
            user=self.user, by=by, password=password
        )
        return self.user


@admin.register(User)
class UserAdmin(PostedSearchAdmin, UserAdminBase):
    """Logins. Names and e-mail addresses are personal: searched by a posted form only.
    The username (a staff ID, an employer's address) and the kind are set at creation;
    a login is deactivated, never deleted."""

    list_display = ["username", "name", "email", "kind", "is_active", "last_login"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ()
    ordering = ["username"]
    change_password_form = TracedPasswordChangeForm
    retire_action_label = gettext_lazy("選択したログインを無効にする")
    delete_refusal = gettext_lazy(
        "ログインは削除できません。監査ログと記録がこの利用者を指しているためです。"
    )
    posted_search_help = gettext_lazy(
        "ログインID、氏名またはメールアドレスの一部。入力した内容はURLに残りません。"
    )
    posted_search_columns = (
        (gettext_lazy("ログインID"), "username"),
        (gettext_lazy("氏名"), "name"),
        (gettext_lazy("利用者の種類"), "get_kind_display"),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("本人"), {"fields": ("name", "email", "kind")}),
        (gettext_lazy("権限"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (gettext_lazy("日時"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "email", "kind", "password1", "password2"),
            },
        ),
    )

    actions: Any = [*RegistryAdmin.actions, "reset_authenticator"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["username", "kind", "last_login", "date_joined"]

    @admin.action(
        permissions=["change"],
        description=gettext_lazy("選択した職員の認証アプリの登録を取り消す"),
    )
    def reset_authenticator(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """A lost phone: the staff member registers a new authenticator at the next sign-in
        (staff_totp_reset), all or nothing."""
        self._each(
            request,
            queryset,
            lambda record, by: registry_services.staff_totp_reset(user=record, by=by),
        )

    def creation_values(self, obj: models.Model, form: RecordForm) -> dict[str, Any]:
        values = super().creation_values(obj, form)
        values["password"] = obj.password  # type: ignore[attr-defined]  # hashed by the form
        return values

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        with _as_password_admin(request_admin(request)):
            return super().user_change_password(request, id, form_url)

    def posted_search(self, request: HttpRequest, term: str) -> tuple[QuerySet[Any], str]:
        term = normalize(term).strip()
        return (
            User.objects.filter(
                Q(username__icontains=term) | Q(name__icontains=term) | Q(email__icontains=term)
            ).order_by("username"),
            "text",
        )


@admin.register(StaffMember)
class StaffMemberAdmin(RegistryImportMixin, RegistryAdmin):
    import_kind = "staff"  # the registry import (hellowork.admin_import)
    """A staff seat: its role decides who may approve (rule 4). Changes are traced; a seat
    is ended by deactivating its login."""

    list_display = ["user", "office", "role"]
    list_filter = ["office", "role"]
    list_select_related = ["user", "office"]
    search_fields = ["user__username"]  # the staff ID; names only through the users' search
    raw_id_fields = ["user"]
    retire_action_label = gettext_lazy("選択した職員のログインを無効にする")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user"] if obj is not None else []


@admin.register(Establishment)
class EstablishmentAdmin(RegistryImportMixin, RegistryAdmin):
    import_kind = "establishments"  # the registry import (hellowork.admin_import)
    fields = ["number", "name", "kana", "office", "address", "access", "has_mypage", "retired_at"]
    list_display = ["number", "name", "kana", "office", "has_mypage", "retired_at"]
    list_filter = ["office", "has_mypage", RetiredFilter]
    list_select_related = ["office"]
    search_fields = ["number", "name", "kana"]  # an employer's name is no personal data
    retire_action_label = gettext_lazy("選択した事業所を廃止する（求人も募集終了）")
    restore_action_label = gettext_lazy("選択した事業所の廃止を取り消す（求人は募集終了のまま）")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["number", "retired_at"] if obj is not None else ["retired_at"]


@admin.register(EmployerMember)
class EmployerMemberAdmin(RegistryAdmin):
    """A my-page seat. The primary flag is changed here (traced); a seat is ended by
    deactivating its login, and a member of another establishment is a new seat."""

    list_display = ["user", "establishment", "is_primary"]
    list_select_related = ["user", "establishment"]
    search_fields = ["establishment__number", "establishment__name"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["establishment"]
    retire_action_label = gettext_lazy("選択した利用者のログインを無効にする")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user", "establishment"] if obj is not None else []


@admin.register(JobPosting)
class JobPostingAdmin(RegistryImportMixin, RegistryAdmin):
    import_kind = "postings"  # the registry import (hellowork.admin_import)
    fields = [
        "number",
        "establishment",
        "title",
        "status",
        "valid_until",
        "employment_type",
        "work_location",
        "wage_min",
        "wage_max",
        "description",
    ]
    list_display = ["number", "title", "establishment", "status", "valid_until"]
    list_filter = ["status", "employment_type", "establishment__office"]
    list_select_related = ["establishment"]
    search_fields = ["number", "title", "establishment__name", "establishment__kana"]
    autocomplete_fields = ["establishment"]
    retire_action_label = gettext_lazy("選択した求人を募集終了にする")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["number"] if obj is not None else []


PROTECTED_CONTACT_FIELDS = frozenset({"phone", "email"})


@admin.register(JobSeeker)
class JobSeekerAdmin(RegistryImportMixin, PostedSearchAdmin):
    import_kind = "seekers"  # the registry import (hellowork.admin_import)
    """Seekers: every list and record shown is traced (`seeker.listed`, `seeker.viewed`,
    screen "admin"); the search is posted (a 求職番号 or a name), never in the URL."""

    fields = ["number", "name", "kana", "birth_date", "office", "phone", "email", "retired_at"]
    list_display = ["number", "name", "kana", "office", "retired_at"]
    list_filter = ["office", RetiredFilter]
    list_select_related = ["office"]
    retire_action_label = gettext_lazy("選択した求職者の登録を終了する")
    restore_action_label = gettext_lazy("選択した求職者の登録終了を取り消す")
    delete_refusal = gettext_lazy(
        "求職者は削除できません。相談・紹介状と監査ログが参照しているためです。"
    )
    posted_search_help = gettext_lazy(
        "求職番号（4桁以上）、または氏名・カナの一部。入力した内容はURLに残りません。"
    )
    posted_search_columns = (
        (gettext_lazy("求職番号"), "number"),
        (gettext_lazy("氏名"), "name"),
        (gettext_lazy("氏名（カナ）"), "kana"),
        (gettext_lazy("登録安定所"), "office"),
        (gettext_lazy("登録終了日時"), "retired_at"),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["number", "retired_at"] if obj is not None else ["retired_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Rule 13: a protected seeker's phone and e-mail are not shown here either (the
        counter's screens keep them; the registry import still updates them)."""
        fields = super().get_fields(request, obj)
        if obj is not None and active_protection(seeker=obj) is not None:
            return [name for name in fields if name not in PROTECTED_CONTACT_FIELDS]
        return fields

    def posted_search(self, request: HttpRequest, term: str) -> tuple[QuerySet[Any], str]:
        """A 求職番号 (at least 4 digits, full-width and dashes allowed) or part of the
        name or kana, as the counter's keys fold them (髙 = 高, かな = カナ)."""
        number = normalize(term).strip()
        seekers = JobSeeker.objects.select_related("office").order_by("kana", "number")
        if number and all(ch.isdigit() or ch == "-" for ch in number):
            digits = number.replace("-", "")
            if len(digits) < 4:
                raise ValidationError(_("求職番号は4桁以上で検索してください。"))
            return seekers.filter(number__contains=number), "number"
        names, kanas = name_key(term), kana_key(term)
        if not names and not kanas:
            raise ValidationError(_("求職番号または氏名を入力してください。"))
        condition = Q()
        if names:
            condition |= Q(name_key__contains=names)
        if kanas:
            condition |= Q(kana_key__contains=kanas)
        return seekers.filter(condition), "name"

    def posted_search_trace(self, request: HttpRequest, found: list[Any], kind: str) -> None:
        registry_services.admin_seeker_list_record(
            by=request_admin(request),
            seeker_ids=[seeker.pk for seeker in found],
            by_kind=kind,
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        cl = changelist.get("cl")
        if cl is not None and response.status_code == 200:
            seekers = list(cl.result_list)  # evaluated once; the page renders the same list
            registry_services.admin_seeker_list_record(
                by=request_admin(request),
                seeker_ids=[seeker.pk for seeker in seekers],
            )
        return response

    def _trace_view(self, request: HttpRequest, object_id: str, response: HttpResponse) -> None:
        if response.status_code != 200:
            return
        seeker = self.get_object(request, object_id)
        if isinstance(seeker, JobSeeker):
            registry_services.admin_seeker_view_record(by=request_admin(request), seeker=seeker)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        self._trace_view(request, object_id, response)
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        self._trace_view(request, object_id, response)
        return response
