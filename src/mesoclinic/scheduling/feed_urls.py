"""iCalendar URLs, included by the root URLconf at ``calendar/``."""

from django.urls import path

from mesoclinic.scheduling import feeds

app_name = "calendar_feeds"
urlpatterns = [
    path("appointments/<int:appointment_id>.ics", feeds.appointment_ics, name="appointment_ics"),
    # token_urlsafe's alphabet is exactly the slug converter's: letters, digits, "-" and "_".
    path("feeds/<slug:token>.ics", feeds.feed_ics, name="feed"),
]
