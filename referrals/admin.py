from django.contrib import admin
from django.http import HttpRequest

from referrals.models import SelfInspectionItem


@admin.register(SelfInspectionItem)
class SelfInspectionItemAdmin(admin.ModelAdmin):
    """The monthly check sheet's questions. Retire an item (使用中 off) rather than delete
    it: sheets already submitted point at it."""

    list_display = ["text", "text_en", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["text", "text_en"]
    ordering = ["order", "id"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
