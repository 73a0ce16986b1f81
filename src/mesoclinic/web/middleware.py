"""Headers Django's ``SecurityMiddleware`` does not set (``Permissions-Policy``, ``Cache-Control``), the
request-size limit and the refusal of a NUL character in a page's address."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


class PermissionsPolicyMiddleware:
    """Send ``settings.PERMISSIONS_POLICY`` (feature → allow list) on every response.

    A page that needs no camera cannot be made to use one by injected content; photo capture gets the
    camera on this origin only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy: dict[str, str] = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}={allow}" for feature, allow in policy.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreMiddleware:
    """Mark every response the application writes ``Cache-Control: private, no-store`` unless it says otherwise.

    Chart pages and the API carry health data, which no browser history, disk cache or shared proxy may keep.
    A response that already sets its own ``Cache-Control`` (static files, served by WhiteNoise with long
    max-age) keeps it; everything else, the login page included, is not stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than ``settings.MAX_REQUEST_BYTES`` with 413, before anything reads it.

    Django bounds form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but spools uploaded files to disk whatever
    their size; the photo limit is checked only after the whole body has arrived. This stops a
    multi-gigabyte upload at its declared length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit: int = settings.MAX_REQUEST_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            megabytes = self.limit // (1024 * 1024)
            return HttpResponse(
                f"The upload is too large: at most {megabytes} MB.", status=413, content_type="text/plain"
            )
        return self.get_response(request)


class NulInAddressMiddleware:
    """Refuse (400) a page address whose path or query string holds a NUL character (``%00``).

    No page accepts one, and PostgreSQL cannot hold or compare text with NUL in it: a search for ``?q=%00``
    or a booking reference ``/booking/%00/`` reached the database and answered 500. Form fields refuse it
    already (Django's ``ProhibitNullCharactersValidator``). The JSON API and FHIR keep their own documented
    answers (422 naming the value, an OperationOutcome), so they are left to them. Runs after the locale
    middleware, so the refusal is said in the reader's language.
    """

    OWN_ANSWERS = ("/api/", "/fhir/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.OWN_ANSWERS) and self._has_nul(request):
            return HttpResponse(
                _("The address holds a NUL character, which no page accepts: remove it and try again."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path_info:
            return True
        return any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        )
