from django.urls import path

from mesoclinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/check-in/", views.appointment_check_in, name="check_in"),
    path(
        "appointments/<int:appointment_id>/treated-elsewhere/",
        views.appointment_treated_elsewhere,
        name="treated_elsewhere",
    ),
    path("appointments/<int:appointment_id>/no-show/", views.appointment_no_show, name="no_show"),
    path("appointments/<int:appointment_id>/cancel/", views.appointment_cancel, name="cancel"),
    path("appointments/<int:appointment_id>/reschedule/", views.appointment_reschedule, name="reschedule"),
    path("appointments/<int:appointment_id>/move/", views.appointment_move, name="move"),
    path(
        "appointments/<int:appointment_id>/screening-alerts/resolve/",
        views.appointment_resolve_screening_alerts,
        name="resolve_screening_alerts",
    ),
    path("book/", views.book, name="book"),
    path("book/consent/", views.book_consent, name="book_consent"),
    path("book/confirm/", views.book_confirm, name="book_confirm"),
    path("courses/<int:course_id>/booked/", views.booked, name="booked"),
]
