"""CORS for the public booking API only (``/api/v1/public/{clinic}/...``): a browser on one of the clinic's
configured web sites (``PortalSettings.embed_origins``) may call it; every other origin gets no CORS header
(the browser then refuses to hand the answer to the page). No other path is touched."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mesoclinic.portal import selectors

PREFIX = "/api/v1/public/"
MAX_AGE = "600"


class PublicApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin", "")
        if not request.path.startswith(PREFIX) or not origin:
            return self.get_response(request)
        allowed = self._allowed(request.path, origin)
        preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        response = HttpResponse(status=204) if preflight else self.get_response(request)
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary", ""), "Origin"]))
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            if preflight:
                response.headers["Access-Control-Allow-Methods"] = "GET, POST"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Max-Age"] = MAX_AGE
        return response

    @staticmethod
    def _allowed(path: str, origin: str) -> bool:
        slug = path[len(PREFIX) :].split("/", 1)[0]
        clinic = selectors.clinic_or_none(slug)
        if clinic is None:
            return False
        return origin in selectors.portal_settings(clinic).embed_origins
