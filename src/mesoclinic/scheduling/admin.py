"""Django admin for superusers: the hours behind the schedule, editable there until the Settings screens
exist. Appointments are not here: they change only through the services (screening, checks, audit).

Every save and delete here goes through the ORM, so the ``signals`` bump the locations' schedule versions
and every process rebuilds its kept free-time indexes.
"""

from django.contrib import admin

from mesoclinic.scheduling.models import (
    DeviceDowntime,
    ExtraHours,
    Holiday,
    OpeningHours,
    TimeOff,
    WorkingHours,
)


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ("location", "weekday", "starts", "ends")
    list_filter = ("location",)


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ("staff", "location", "weekday", "starts", "ends")
    list_filter = ("location", "weekday")
    search_fields = ("staff__display_name",)


@admin.register(ExtraHours)
class ExtraHoursAdmin(admin.ModelAdmin):
    list_display = ("staff", "location", "starts_at", "ends_at", "reason")
    list_filter = ("location",)
    search_fields = ("staff__display_name", "reason")
    date_hierarchy = "starts_at"


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("staff", "starts_at", "ends_at", "reason")
    search_fields = ("staff__display_name", "reason")
    date_hierarchy = "starts_at"


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("location", "date", "name")
    list_filter = ("location",)


@admin.register(DeviceDowntime)
class DeviceDowntimeAdmin(admin.ModelAdmin):
    list_display = ("device", "starts_at", "ends_at", "reason")
    date_hierarchy = "starts_at"
