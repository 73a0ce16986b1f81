"""Headers Django's ``SecurityMiddleware`` does not set (``Permissions-Policy``, ``Cache-Control``) and the
request-size limit."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
