from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    User,
)

admin.site.site_header = _("ハローワーク紹介システム 管理")
admin.site.site_title = _("ハローワーク紹介システム")


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "bureau"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "email", "kind", "is_active", "last_login"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ["username", "name", "email"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("本人"), {"fields": ("name", "email", "kind")}),
        (_("権限"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("日時"), {"fields": ("last_login", "date_joined")}),
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


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "role"]
    list_filter = ["office", "role"]
    list_select_related = ["user", "office"]
    search_fields = ["user__username", "user__name"]
    autocomplete_fields = ["user"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kana", "office", "has_mypage"]
    list_filter = ["office", "has_mypage"]
    list_select_related = ["office"]
    search_fields = ["number", "name", "kana"]


@admin.register(EmployerMember)
class EmployerMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "establishment", "is_primary"]
    list_select_related = ["user", "establishment"]
    search_fields = ["user__name", "user__email", "establishment__number", "establishment__name"]
    autocomplete_fields = ["user", "establishment"]


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "establishment", "status"]
    list_filter = ["status", "employment_type", "establishment__office"]
    list_select_related = ["establishment"]
    search_fields = ["number", "title", "establishment__name", "establishment__kana"]
    autocomplete_fields = ["establishment"]


@admin.register(JobSeeker)
class JobSeekerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kana", "office"]
    list_filter = ["office"]
    list_select_related = ["office"]
    search_fields = ["number", "name", "kana"]
