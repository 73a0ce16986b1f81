from django.contrib import admin

from mesoclinic.accounts.models import Clinic, Location, StaffMember


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "country")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic", "timezone")


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("display_name", "clinic", "role", "is_active")
    list_filter = ("clinic", "role")
