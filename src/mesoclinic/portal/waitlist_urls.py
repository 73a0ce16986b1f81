from django.urls import path

from mesoclinic.portal import waitlist_views

app_name = "waitlist"
urlpatterns = [path("", waitlist_views.staff_waitlist, name="list")]
