from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog

from mesoclinic.api import api
from mesoclinic.web import portal_photos
from mesoclinic.web.portal_export import portal_export
from mesoclinic.web.portal_messages import portal_messages

# The admin signs in through the same page as everyone (lockout, two-factor), never with a password alone.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # the admin's login view wrapped in place, as Django documents for AdminSite

urlpatterns = [
    path("", include("mesoclinic.web.urls")),
    # allauth's sign-in and sign-out under the names the app has always used; sign-out is POST only.
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/logout/", require_POST(account_views.logout), name="logout"),
    # Django's own language switch (sets the django_language cookie) and the JavaScript strings' catalog.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("mesoclinic.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("patients/", include("mesoclinic.patients.urls")),
    path("catalog/", include("mesoclinic.catalog.urls")),
    path("safety/", include("mesoclinic.safety.urls")),
    path("schedule/", include("mesoclinic.scheduling.urls")),
    path("calendar/", include("mesoclinic.scheduling.feed_urls")),
    path("sessions/", include("mesoclinic.treatments.urls")),
    path("inventory/", include("mesoclinic.inventory.urls")),
    path("vigilance/", include("mesoclinic.vigilance.urls")),
    path("outcomes/", include("mesoclinic.outcomes.urls")),
    path("billing/", include("mesoclinic.billing.urls")),
    path("reports/", include("mesoclinic.reports.urls")),
    path("jobs/", include("mesoclinic.worker.urls")),
    path("privacy/", include("mesoclinic.privacy.urls")),
    path("webhooks/", include("mesoclinic.webhooks.urls")),
    path("notifications/", include("mesoclinic.notifications.urls")),
    path("audit/", include("mesoclinic.audit_viewer.urls")),
    path("import/", include("mesoclinic.interop.urls")),
    path("settings/", include("mesoclinic.clinic_settings.urls")),
    path("pay/", include("mesoclinic.billing.online_urls")),  # the patient pays by card online (Stripe)
    path("waitlist/", include("mesoclinic.portal.waitlist_urls")),  # staff: who waits for an earlier date
    path("online-bookings/", include("mesoclinic.portal.staff_urls")),
    path("c/<slug:clinic_slug>/portal/me/my-data.zip", portal_export, name="portal_export"),
    path("c/<slug:clinic_slug>/portal/me/messages/", portal_messages, name="portal_messages"),
    path("c/<slug:clinic_slug>/portal/me/photos/", portal_photos.portal_photos, name="portal_photos"),
    path(
        "c/<slug:clinic_slug>/portal/me/photos/<int:photo_id>/<slug:kind>/",
        portal_photos.portal_photo_file,
        name="portal_photo_file",
    ),
    path("c/", include("mesoclinic.portal.urls")),  # the patient's door: public booking pages, no sign-in
    path("fhir/R4/", include("mesoclinic.interop.fhir_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
