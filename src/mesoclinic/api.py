"""The JSON API, version 1: every app's router mounted under ``/api/v1/``; domain errors mapped once; every
JSON body's text checked once (``mesoclinic.text``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import django_auth

from mesoclinic import schema_errors
from mesoclinic.accounts.api_auth import AddressRateThrottle, ApiTokenAuth, CredentialRateThrottle
from mesoclinic.billing.api import router as billing_router
from mesoclinic.billing.services import DocumentIssuedError
from mesoclinic.catalog.api import router as catalog_router
from mesoclinic.clinic_settings.api import router as settings_router
from mesoclinic.form_errors import readers_count
from mesoclinic.interop.api import router as interop_router
from mesoclinic.inventory.api import router as inventory_router
from mesoclinic.notifications.api import router as notifications_router
from mesoclinic.outcomes.api import router as outcomes_router
from mesoclinic.patients.api import router as patients_router
from mesoclinic.portal.api import router as public_router
from mesoclinic.privacy.api import router as privacy_router
from mesoclinic.reports.api import router as reports_router
from mesoclinic.safety.api import router as safety_router
from mesoclinic.scheduling.api import router as scheduling_router
from mesoclinic.scheduling.services import BookingError, ScreeningBlockedError
from mesoclinic.text import MAX_TEXT, TEXT_PATTERN, text_problems
from mesoclinic.treatments.api import router as treatments_router
from mesoclinic.vigilance.api import router as vigilance_router

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {
            "description": "What went wrong, in plain words (a list of field errors for a malformed request).",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
        },
        "errors": {"type": "object", "description": "Field name -> messages, when a value is refused."},
        "findings": {
            "type": "array",
            "items": {"type": "object"},
            "description": "Blocking screening findings.",
        },
    },
    "required": ["detail"],
}
ERRORS = {
    401: "Not signed in, or the API token is unknown, expired or revoked.",
    403: "The role, or the token's scopes, do not allow this (or two-factor sign-in is required).",
    404: "Nothing with this id in the caller's clinic (another clinic's ids are not found either).",
    422: "The request is malformed or a value is refused; the fields are named.",
    429: "Too many requests: wait for the Retry-After header's seconds.",
}


class BodyRefusedError(ValueError):
    """A JSON body refused before any schema sees it; ``errors`` names each place, ``detail`` says why."""

    def __init__(
        self, errors: dict[str, list[str]], detail: str = gettext_noop("A text value was refused.")
    ) -> None:
        super().__init__(detail)
        self.errors = errors
        self.detail = detail


NOT_AN_OBJECT = gettext_noop(
    "The body must be a JSON object ({...}), not an array, a string, a number or null."
)


class CheckedJsonParser(Parser):
    """JSON bodies, refused (422) when they are not an object (every operation's body is one: ninja's schemas
    would otherwise read ``[null]`` as ``{}``, and a PATCH of optional fields answered 200), when a string
    holds a control character or a lone surrogate, is longer than ``MAX_TEXT``, or the document is nested
    deeper than ``MAX_DEPTH``: before any schema or service sees them, so that no field anywhere can store
    what no screen, CSV or database can hold."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyRefusedError({"body": [NOT_AN_OBJECT]}, detail=NOT_AN_OBJECT)
        errors: dict[str, list[str]] = {}
        for where, message in text_problems(data, tr=_, count=readers_count):
            errors.setdefault(where, []).append(message)
        if errors:
            raise BodyRefusedError(errors)
        return data


def _bound_strings(schema: dict, components: dict, seen: set[str]) -> None:
    """Say in a request body's schema what ``CheckedJsonParser`` enforces: every free-text string (no enum,
    no format, no pattern of its own) gets the control-character ``pattern`` and, unless it has a shorter
    one, ``maxLength`` ``MAX_TEXT``; ``$ref``'d components are followed once."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            _bound_strings(components[name], components, seen)
        return
    if schema.get("type") == "string" and not {"enum", "format", "pattern", "const"} & schema.keys():
        schema["pattern"] = TEXT_PATTERN
        schema["maxLength"] = min(schema.get("maxLength", MAX_TEXT), MAX_TEXT)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for part in schema.get(key, []):
            _bound_strings(part, components, seen)
    for part in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(part, dict):
            _bound_strings(part, components, seen)
    for part in schema.get("properties", {}).values():
        _bound_strings(part, components, seen)


class MesoClinicAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document names, for every operation, the errors it can answer.

    Operations keep their own declared responses; to each the document adds, where they apply and are not
    declared: 401, 403 and 429 (every authenticated operation), 404 (an operation on an object by id) and
    422 (an operation that takes a body, a query or path parameters). All carry the ``Error`` schema, the
    shape the exception handlers below write.
    """

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        components = schema["components"]["schemas"]
        bounded: set[str] = set()
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                body = operation.get("requestBody", {}).get("content", {}).get("application/json")
                if body:
                    _bound_strings(body["schema"], components, bounded)
                codes = []
                if operation.get("security"):
                    codes += [401, 403, 429]
                if "{" in path:
                    codes.append(404)
                if operation.get("requestBody") or operation.get("parameters"):
                    codes.append(422)
                responses = operation["responses"]
                for code in codes:
                    if code not in responses and str(code) not in responses:
                        responses[code] = {"description": ERRORS[code], **error}
        return schema


api = MesoClinicAPI(
    title="MesoClinic API",
    version="1",
    urls_namespace="api-v1",
    # A bearer API token first (scripts, integrations), else the browser's session (htmx, the UI).
    auth=[ApiTokenAuth(), django_auth],
    parser=CheckedJsonParser(),
    throttle=[AddressRateThrottle(), CredentialRateThrottle()],
    description=(
        "Patients, catalog, safety screening, scheduling, session records, inventory, vigilance, photos and outcomes, billing (prices, invoices, payments), reports, privacy, messages to patients, CSV import. Every operation is scoped to the caller's clinic. Authenticate with the browser session or an API token (`Authorization: Bearer mc_…`, created under Account → API tokens), limited to its scopes and its owner's role."
    ),
)
api.add_router("/patients", patients_router, tags=["patients"])
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/screening", safety_router, tags=["screening"])
api.add_router("/scheduling", scheduling_router, tags=["scheduling"])
api.add_router("/sessions", treatments_router, tags=["sessions"])
api.add_router("/inventory", inventory_router, tags=["inventory"])
api.add_router("/vigilance", vigilance_router, tags=["vigilance"])
api.add_router("/outcomes", outcomes_router, tags=["outcomes"])
api.add_router("/billing", billing_router, tags=["billing"])
api.add_router("/reports", reports_router, tags=["reports"])
api.add_router("/privacy", privacy_router, tags=["privacy"])
api.add_router("/notifications", notifications_router, tags=["notifications"])
api.add_router("/interop", interop_router, tags=["interop"])
api.add_router("/settings", settings_router, tags=["settings"])
api.add_router("/public", public_router, tags=["public booking"])


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": _("Invalid input."), "errors": errors}, status=422)


PUBLIC_PREFIX = "/api/v1/public/"
_WHERE = {"body", "payload", "query", "path"}


@api.exception_handler(SchemaValidationError)
def schema_validation_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    """ninja's answer (``{"detail": [...]}``) for the staff API, as ever; the public booking API documents one
    error shape for every refusal, so there it is ``{"detail", "errors": {field: [messages]}}``. Either way
    pydantic's messages are in the reader's language (``mesoclinic.schema_errors``), nothing else changes."""
    if not request.path.startswith(PUBLIC_PREFIX):
        return api.create_response(request, {"detail": schema_errors.translated(exc.errors)}, status=422)
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in _WHERE) or "body"
        errors.setdefault(where, []).append(schema_errors.message(error))
    return api.create_response(request, {"detail": _("Invalid input."), "errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own answer, except for a body ``CheckedJsonParser`` refused: 422 naming each field."""
    if isinstance(exc.__cause__, BodyRefusedError):
        body = {"detail": _(exc.__cause__.detail), "errors": exc.__cause__.errors}  # marked with gettext_noop
        return api.create_response(request, body, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database refuses though the schema let it through (PostgreSQL: a NUL character in text, a
    number out of range): bad input, answered as such; the service's transaction has rolled back."""
    body = {"detail": _("A value was refused: remove control characters (such as NUL) or shorten it.")}
    return api.create_response(request, body, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or _("Your role does not allow this.")}, status=403
    )


@api.exception_handler(BookingError)
def booking_conflict(request: HttpRequest, exc: BookingError) -> HttpResponse:
    """A booking or an appointment change the schedule refuses: a taken slot, a blocking screening finding
    (with its findings, so the desk can tell the patient why), a session outside the series' tolerance."""
    body: dict[str, object] = {"detail": str(exc)}
    if isinstance(exc, ScreeningBlockedError):
        body["findings"] = exc.findings
    return api.create_response(request, body, status=409)


@api.exception_handler(DocumentIssuedError)
def document_issued(request: HttpRequest, exc: DocumentIssuedError) -> HttpResponse:
    """A change to an issued document: it is immutable; a credit note corrects it."""
    return api.create_response(request, {"detail": str(exc)}, status=409)
