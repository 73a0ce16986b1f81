from django.urls import path

from mesoclinic.portal import staff_views

app_name = "online_bookings"
urlpatterns = [
    path("", staff_views.online_bookings, name="index"),
    path("settings/", staff_views.portal_settings, name="settings"),
    path("history/<int:review_id>/", staff_views.confirm_history, name="confirm_history"),
    path("problems/<int:problem_id>/", staff_views.handle_problem, name="handle_problem"),
    path("duplicates/<int:booking_id>/", staff_views.resolve_duplicate, name="resolve_duplicate"),
]
