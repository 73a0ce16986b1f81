from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from mesoclinic.accounts.models import ApiToken, Clinic, Location, StaffMember


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "country", "require_mfa")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic", "timezone")


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("display_name", "clinic", "role", "is_active")
    list_filter = ("clinic", "role")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued and revoked through the app (audited); the admin only shows them."""

    list_display = (
        "name",
        "prefix",
        "user",
        "clinic",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("clinic",)
    exclude = ("secret_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
