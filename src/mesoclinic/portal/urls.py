from django.urls import path

from mesoclinic.portal import views

app_name = "portal"
urlpatterns = [
    path("<slug:clinic_slug>/", views.clinic_page, name="clinic"),
    path("<slug:clinic_slug>/book/<slug:slug>/", views.offers, name="offers"),
    path("<slug:clinic_slug>/book/<slug:slug>/details/", views.details, name="details"),
    path("<slug:clinic_slug>/booking/<str:token>/verify/", views.verify, name="verify"),
    path("<slug:clinic_slug>/booking/<str:token>/", views.done, name="done"),
    path("<slug:clinic_slug>/booking/<str:token>/rebook/", views.rebook, name="rebook"),
    path("<slug:clinic_slug>/booking/<str:token>/sessions.ics", views.calendar_file, name="calendar"),
]
