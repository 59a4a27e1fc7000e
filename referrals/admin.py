from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from hellowork.admin import RegistryAdmin, request_admin
from referrals.models import SelfInspectionItem
from referrals.services import incidents


@admin.register(SelfInspectionItem)
class SelfInspectionItemAdmin(RegistryAdmin):
    """The monthly check sheet's questions. Retire an item (使用中 off) rather than delete
    it: sheets already submitted point at it. Written through the referral services, traced
    like the registry (`registry.created` / `registry.changed`)."""

    list_display = ["text", "text_en", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["text", "text_en"]
    ordering = ["order", "id"]
    delete_refusal = gettext_lazy("自己点検の項目は削除できません。「使用中」を外してください。")

    def create_record(self, request: HttpRequest, values: dict[str, Any]) -> models.Model:
        return incidents.self_inspection_item_create(by=request_admin(request), values=values)

    def change_record(
        self, request: HttpRequest, obj: models.Model, changes: dict[str, Any]
    ) -> models.Model:
        assert isinstance(obj, SelfInspectionItem)
        return incidents.self_inspection_item_change(
            item=obj, by=request_admin(request), changes=changes
        )
