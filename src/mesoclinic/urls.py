from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mesoclinic.api import api

urlpatterns = [
    path("", include("mesoclinic.web.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", include("mesoclinic.patients.urls")),
    path("catalog/", include("mesoclinic.catalog.urls")),
    path("safety/", include("mesoclinic.safety.urls")),
    path("schedule/", include("mesoclinic.scheduling.urls")),
    path("calendar/", include("mesoclinic.scheduling.feed_urls")),
    path("sessions/", include("mesoclinic.treatments.urls")),
    path("inventory/", include("mesoclinic.inventory.urls")),
    path("vigilance/", include("mesoclinic.vigilance.urls")),
    path("outcomes/", include("mesoclinic.outcomes.urls")),
    path("reports/", include("mesoclinic.reports.urls")),
    path("import/", include("mesoclinic.interop.urls")),
    path("fhir/R4/", include("mesoclinic.interop.fhir_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
