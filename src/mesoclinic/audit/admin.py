"""The audit log in the admin, for superusers: read-only (no add, change or delete; the data says why)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mesoclinic.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "clinic", "seq", "actor", "action", "object_type", "object_id", "patient_id", "ip")
    list_filter = ("action", "clinic")
    search_fields = ("object_type", "object_id", "action")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    list_select_related = ("clinic", "actor")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)
