"""Django admin for superusers: the job log is read-only (the worker writes it; staff retry from the page)."""

from django.contrib import admin
from django.http import HttpRequest

from mesoclinic.worker.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("task_path", "status", "attempts", "max_attempts", "enqueued_at", "finished_at", "clinic")
    list_filter = ("status", "queue", "clinic")
    search_fields = ("task_path", "result_id")
    exclude = ("args", "kwargs")  # tasks take ids, but what is shown is the summary by ids only

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
