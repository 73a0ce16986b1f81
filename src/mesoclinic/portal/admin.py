"""The portal's settings in the Django admin (superusers only) until the owner's settings page has them."""

from __future__ import annotations

from django.contrib import admin

from mesoclinic.portal.models import PortalSettings


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    list_display = ("clinic", "lead_hours", "embed_origins")
