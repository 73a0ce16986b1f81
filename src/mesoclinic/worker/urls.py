"""The background jobs page, under /jobs/."""

from django.urls import path

from mesoclinic.worker import views

app_name = "worker"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("<int:job_id>/retry/", views.retry, name="retry"),
]
