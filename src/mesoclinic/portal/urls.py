from django.urls import path

from mesoclinic.portal import patient_views, views, waitlist_views

app_name = "portal"
urlpatterns = [
    path("<slug:clinic_slug>/", views.clinic_page, name="clinic"),
    path("<slug:clinic_slug>/book/<slug:slug>/", views.offers, name="offers"),
    path("<slug:clinic_slug>/book/<slug:slug>/details/", views.details, name="details"),
    path("<slug:clinic_slug>/booking/<str:token>/verify/", views.verify, name="verify"),
    path("<slug:clinic_slug>/booking/<str:token>/", views.done, name="done"),
    path("<slug:clinic_slug>/booking/<str:token>/rebook/", views.rebook, name="rebook"),
    path("<slug:clinic_slug>/booking/<str:token>/sessions.ics", views.calendar_file, name="calendar"),
    path("<slug:clinic_slug>/portal/", views.portal_sign_in, name="portal_sign_in"),
    path("<slug:clinic_slug>/portal/code/<str:token>/", views.portal_code, name="portal_code"),
    path("<slug:clinic_slug>/portal/me/", views.portal_home, name="portal_home"),
    path(
        "<slug:clinic_slug>/portal/me/sessions/<int:appointment_id>/cancel/",
        patient_views.portal_cancel,
        name="portal_cancel",
    ),
    path(
        "<slug:clinic_slug>/portal/me/sessions/<int:appointment_id>/move/",
        patient_views.portal_reschedule,
        name="portal_reschedule",
    ),
    path("<slug:clinic_slug>/portal/me/details/", patient_views.portal_profile, name="portal_profile"),
    path("<slug:clinic_slug>/portal/me/problem/", patient_views.portal_problem, name="portal_problem"),
    path("<slug:clinic_slug>/portal/sign-out/", views.portal_sign_out, name="portal_sign_out"),
    path(
        "<slug:clinic_slug>/portal/me/sessions/<int:appointment_id>/waitlist/",
        waitlist_views.portal_waitlist_join,
        name="portal_waitlist_join",
    ),
    path(
        "<slug:clinic_slug>/portal/me/waitlist/<int:entry_id>/accept/",
        waitlist_views.portal_waitlist_accept,
        name="portal_waitlist_accept",
    ),
    path(
        "<slug:clinic_slug>/portal/me/waitlist/<int:entry_id>/leave/",
        waitlist_views.portal_waitlist_leave,
        name="portal_waitlist_leave",
    ),
]
