"""Every URL and every API operation, tried by every role, by an anonymous visitor and by another clinic.

The routes are discovered (the URL resolver is walked; the API operations come from the OpenAPI schema),
so a new route cannot be forgotten: one missing from ``WEB`` or ``API`` below fails with
"add <name> to the matrix".

**Registering a route is one line**, keyed by its URL name (``"app:name"``) or by its API operation id
without the ``mesoclinic_`` prefix (``"<app>_api_<function>"``)::

    "patients:detail": R(C.VIEW_PATIENTS),                 # GET by default
    "patients:history": R(C.EDIT_CLINICAL, "post"),         # the method(s) to try
    "reports:no_shows": R(C.VIEW_REPORTS, query=CSV),       # query string (search, exports)
    "web:home": R(),                                       # any signed-in staff member
    "login": PUBLIC,                                       # no sign-in needed
    "scheduling_api_revoke_feed": R(C.VIEW_SCHEDULE, only=("owner",)),  # an object-level rule narrows it
    "vigilance_api_recall_by_number": R(C.RECALL, cross=404),           # what clinic B gets instead

A new kind of id in a URL or body needs one line in ``KWARGS`` (name → the world's object of clinic A, built
in ``tests/security/world.py``); an operation whose generated body cannot pass its schema gets ``body=``.

Capabilities are those of ``mesoclinic.accounts.permissions``; a role is expected to pass exactly when
the matrix gives it every capability named (``only=`` narrows it where an object-level rule applies).

What each request must get:

- anonymous: a redirect to the login page (web) or 401 (API and FHIR);
- a role of clinic A: 2xx/3xx when allowed (a write with a deliberately minimal body may also answer
  400/409/422: the gate was passed), 403 when not;
- a staff member of clinic B holding the capability: 404 whenever the URL or body names an object of
  clinic A (path ids are filled from ``KWARGS`` with clinic A's objects), otherwise an answer in which none
  of clinic A's marker strings appear (lists, search, CSV exports, files).

URL keyword arguments and API parameters are filled by name from ``KWARGS`` (``patient_id`` → clinic A's
patient, ...); add a name there when a new route takes a new kind of id. API bodies are generated from the
OpenAPI schema (required fields only, ids by the same names), so most API operations need no ``body=``.
Every request runs in a rolled-back savepoint: an allowed write changes nothing for the next request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mesoclinic.accounts.permissions import MATRIX
from mesoclinic.accounts.permissions import Capability as C  # noqa: N817 — one letter keeps the table short
from mesoclinic.api import api
from tests.security.conftest import rolled_back
from tests.security.world import MARKER, MARKERS, ROLES, World, photo_bytes

pytestmark = pytest.mark.django_db

CSV = {"format": "csv"}


@dataclass(frozen=True)
class R:
    """One route's rule: the capabilities it needs, the method(s) to try, its query string and body."""

    caps: tuple[C, ...] = ()
    methods: tuple[str, ...] = ("get",)
    query: dict[str, Any] = field(default_factory=dict)
    body: Callable[[World], dict[str, Any]] | None = None
    only: tuple[str, ...] | None = None  # roles allowed, where an object-level rule narrows the matrix
    public: bool = False
    cross: int | None = None  # what clinic B gets where it is not simply allowed or 404
    ids: dict[str, str] = field(default_factory=dict)  # this route's names → world objects, beside KWARGS
    values: dict[str, Any] = field(default_factory=dict)  # this route's literal URL values (same for all)
    denied: int = 403  # what a role of clinic A that is not allowed gets (404: the object is not theirs)

    def __init__(
        self,
        *caps: C,
        method: str = "get",
        query: dict[str, Any] | None = None,
        body: Callable[[World], dict[str, Any]] | None = None,
        only: tuple[str, ...] | None = None,
        public: bool = False,
        cross: int | None = None,
        ids: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        denied: int = 403,
    ) -> None:
        object.__setattr__(self, "caps", caps)
        object.__setattr__(self, "methods", tuple(method.split(",")))
        object.__setattr__(self, "query", query or {})
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "only", only)
        object.__setattr__(self, "public", public)
        object.__setattr__(self, "cross", cross)
        object.__setattr__(self, "ids", ids or {})
        object.__setattr__(self, "values", values or {})
        object.__setattr__(self, "denied", denied)

    def allows(self, role: str) -> bool:
        if self.only is not None:
            return role in self.only
        return all(cap in MATRIX[role] for cap in self.caps)


PUBLIC = R(public=True)
SETTINGS_READERS = ("owner", "auditor")  # manage_clinic or view_audit (clinic B tries as its auditor)

# fmt: off
WEB: dict[str, R] = {
    "web:home": R(),
    "web:admin": R(only=("owner", "physician", "auditor")),  # whoever has one administration page: 403 otherwise
    "login": PUBLIC,  # tried by a fresh client in test_sign_in_and_out_are_public
    "logout": PUBLIC,
    "set_language": PUBLIC,  # Django's language switch: a cookie, no data (test_i18n)
    "javascript-catalog": PUBLIC,  # the JavaScript strings' translations, no data
    "patients:list": R(C.VIEW_PATIENTS, query={"q": MARKER}),
    "patients:create": R(C.EDIT_PATIENTS, method="get,post"),
    "patients:detail": R(C.VIEW_PATIENTS),
    "patients:edit": R(C.EDIT_PATIENTS, method="get,post"),
    "patients:history": R(C.EDIT_CLINICAL, method="post"),
    "patients:consent_record": R(C.RECORD_CONSENT, method="post"),
    "patients:consent_withdraw": R(C.RECORD_CONSENT, method="post"),
    "patients:consent_signature": R(C.VIEW_PATIENTS),
    "catalog:index": R(C.VIEW_CATALOG),
    "catalog:modalities": R(C.VIEW_CATALOG),
    "catalog:cocktails": R(C.VIEW_CATALOG),
    "catalog:products": R(C.VIEW_CATALOG),
    "catalog:ingredients": R(C.VIEW_CATALOG),
    "safety:rules": R(C.SCREEN),
    "safety:patient_screening": R(C.SCREEN),
    "safety:screen_patient": R(C.SCREEN, method="post"),
    "scheduling:calendar": R(C.VIEW_SCHEDULE),
    "scheduling:appointment": R(C.VIEW_SCHEDULE),
    "scheduling:check_in": R(C.BOOK, method="post"),
    "scheduling:treated_elsewhere": R(C.RECORD_TREATED_ELSEWHERE, method="post"),
    "scheduling:no_show": R(C.BOOK, method="post"),
    "scheduling:cancel": R(C.BOOK, method="post"),
    "scheduling:reschedule": R(C.BOOK, method="get,post"),
    "scheduling:move": R(C.BOOK, method="post"),
    "scheduling:resolve_screening_alerts": R(C.BOOK, method="post"),
    "scheduling:book": R(C.BOOK, C.SCREEN),
    "scheduling:book_consent": R(C.BOOK, C.RECORD_CONSENT, method="post"),
    "scheduling:book_confirm": R(C.BOOK, C.SCREEN, method="post"),
    "scheduling:booked": R(C.VIEW_SCHEDULE),
    "calendar_feeds:appointment_ics": R(C.VIEW_PATIENTS),
    "calendar_feeds:feed": PUBLIC,  # the unguessable token is the credential: test_calendar_feed_token_is_the_key
    "treatments:open": R(C.EDIT_CLINICAL, method="post"),
    "treatments:session": R(C.VIEW_CLINICAL),
    "treatments:screening": R(C.EDIT_CLINICAL, method="post"),
    "treatments:save": R(C.EDIT_CLINICAL, method="post"),
    "treatments:amend": R(C.EDIT_CLINICAL, method="post"),
    "treatments:patient_sessions": R(C.VIEW_PATIENTS),  # clinical columns only with view_clinical
    "treatments:course": R(C.VIEW_SCHEDULE),
    "inventory:lots": R(C.VIEW_INVENTORY, query={"q": "QXA"}),
    "inventory:receive": R(C.MANAGE_INVENTORY, method="get,post"),
    "inventory:parse_scan": R(C.MANAGE_INVENTORY, method="post"),
    "inventory:prepare": R(C.MANAGE_INVENTORY, method="get,post"),
    "inventory:lot": R(C.VIEW_INVENTORY),
    "inventory:movement": R(C.MANAGE_INVENTORY, method="post"),
    "inventory:mark_recalled": R(C.MANAGE_INVENTORY, method="post"),
    "vigilance:recall": R(C.RECALL, query={"lot_number": "QXA-7731"}),
    "vigilance:recall_mark": R(C.RECALL, C.MANAGE_INVENTORY, method="post"),
    "vigilance:events": R(C.VIEW_CLINICAL),
    "vigilance:event": R(C.VIEW_CLINICAL),
    "vigilance:follow_up": R(C.VIEW_CLINICAL, C.REPORT_ADVERSE_EVENT, method="post"),
    "vigilance:event_report": R(C.VIEW_CLINICAL),
    "vigilance:correct": R(C.REPORT_ADVERSE_EVENT, method="get,post"),
    "vigilance:report": R(C.VIEW_CLINICAL, C.REPORT_ADVERSE_EVENT, method="get,post"),
    "vigilance:patient_events": R(C.VIEW_CLINICAL),
    "outcomes:patient_photos": R(C.VIEW_PHOTOS),
    "outcomes:capture": R(C.TAKE_PHOTOS, method="get,post"),
    "outcomes:precheck": R(C.TAKE_PHOTOS, method="post"),
    "outcomes:compare": R(C.VIEW_PHOTOS, query={"before": "photo", "after": "photo"}),
    "outcomes:record_repeatability": R(C.TAKE_PHOTOS, method="post"),
    "outcomes:assess": R(C.TAKE_PHOTOS, method="get,post"),
    "outcomes:photo_file": R(C.VIEW_PHOTOS),
    "billing:documents": R(C.VIEW_BILLING, query={"q": MARKER}),
    "billing:document": R(C.VIEW_BILLING),
    "billing:document_print": R(C.VIEW_BILLING, ids={"invoice_id": "sale"}),
    "billing:document_pdf": R(C.VIEW_BILLING, ids={"invoice_id": "sale"}),
    "billing:document_email": R(C.TAKE_PAYMENTS, method="post", ids={"invoice_id": "sale"}),
    "billing:add_line": R(C.TAKE_PAYMENTS, method="post"),
    "billing:update_line": R(C.TAKE_PAYMENTS, method="post"),
    "billing:remove_line": R(C.TAKE_PAYMENTS, method="post"),
    "billing:buyer": R(C.TAKE_PAYMENTS, method="post"),
    "billing:kind": R(C.TAKE_PAYMENTS, method="post"),
    "billing:pay": R(C.TAKE_PAYMENTS, method="post"),
    "billing:issue": R(C.TAKE_PAYMENTS, method="post"),
    "billing:credit_note": R(C.TAKE_PAYMENTS, method="get,post"),
    "billing:refund": R(C.REFUND_PAYMENTS, method="post"),
    "billing:checkout_appointment": R(C.VIEW_SCHEDULE, C.TAKE_PAYMENTS, method="post"),
    "billing:checkout_patient": R(C.VIEW_PATIENTS, C.TAKE_PAYMENTS, method="post"),
    "billing:patient_account": R(C.VIEW_PATIENTS, C.VIEW_BILLING),
    "billing:package": R(C.VIEW_PATIENTS, C.VIEW_BILLING),
    "billing:package_expiry": R(C.VIEW_PATIENTS, C.REFUND_PAYMENTS, method="post"),
    "billing:package_refund": R(C.VIEW_PATIENTS, C.REFUND_PAYMENTS, method="post"),
    "billing:policy": R(C.MANAGE_PRICES, method="get,post"),
    "billing:cash_up": R(C.TAKE_PAYMENTS, method="get,post"),
    "billing:take_deposit": R(C.VIEW_SCHEDULE, C.TAKE_PAYMENTS, method="post"),
    "billing:waive_charge": R(C.VIEW_PATIENTS, C.TAKE_PAYMENTS, method="post"),
    "billing:prices": R(C.VIEW_BILLING),
    "billing:price_create": R(C.MANAGE_PRICES, method="get,post"),
    "billing:price_edit": R(C.MANAGE_PRICES, method="get,post"),
    "billing:settings": R(C.MANAGE_PRICES, method="get,post"),
    "billing:online_link": R(C.TAKE_PAYMENTS, method="post"),
    "billing:online_deposit": R(C.VIEW_SCHEDULE, C.TAKE_PAYMENTS, method="post"),
    "billing:card_link": R(C.VIEW_PATIENTS, C.TAKE_PAYMENTS, method="post"),
    "billing:charge_card": R(C.VIEW_PATIENTS, C.TAKE_PAYMENTS, method="post"),
    "billing:online_payments": R(C.TAKE_PAYMENTS),
    "billing:cancel_online_payment": R(C.TAKE_PAYMENTS, method="post"),
    "billing:refund_deposit": R(C.VIEW_PATIENTS, C.REFUND_PAYMENTS, method="post"),
    "billing:email_online_payment": R(C.TAKE_PAYMENTS, method="post"),
    # Stripe's webhook: the signature is the key (billing/tests/test_online_payments.py); the patient's payment
    # pages: the unguessable reference in the link is the key.
    "billing:stripe_webhook": PUBLIC,
    "billing_online:pay": PUBLIC,
    "billing_online:card": PUBLIC,
    "billing_online:card_saved": PUBLIC,
    "billing:gift_cards": R(C.VIEW_BILLING),
    "billing:gift_card": R(C.VIEW_BILLING),
    "billing:gift_card_expiry": R(C.REFUND_PAYMENTS, method="post"),
    "reports:money": R(C.VIEW_BILLING, C.VIEW_AUDIT, query=CSV),
    "reports:money_export": R(C.VIEW_BILLING, C.VIEW_AUDIT, query={"part": "documents"}),
    "reports:index": R(C.VIEW_REPORTS),
    "reports:outcomes": R(C.VIEW_REPORTS, query=CSV),
    "reports:adherence": R(C.VIEW_REPORTS, query=CSV),
    "reports:no_shows": R(C.VIEW_REPORTS, query=CSV),
    "reports:recalls": R(C.VIEW_REPORTS, query=CSV),
    "reports:patient_progress": R(C.VIEW_CLINICAL),
    "api-v1:openapi-json": PUBLIC,  # the API's description, no data
    "api-v1:openapi-view": PUBLIC,
    "outcomes:analysis_status": R(C.VIEW_PHOTOS),
    "outcomes:choose_baseline": R(C.TAKE_PHOTOS, method="post"),
    "outcomes:share_photo": R(C.TAKE_PHOTOS, method="post"),
    "audit:events": R(C.VIEW_AUDIT, query=CSV),  # the clinic's own log only, whoever reads it
    # Background jobs: the clinic's and the installation's, the owner's alone.
    "worker:jobs": R(C.MANAGE_JOBS),
    "worker:retry": R(C.MANAGE_JOBS, method="post"),
    # Privacy: the index sends the owner to the requests and the physician to the library, others get 403.
    "privacy:index": R(only=("owner", "physician")),
    "privacy:export": R(C.EXPORT_PATIENT_DATA),
    "privacy:request_create": R(C.MANAGE_PRIVACY, method="get,post"),
    "privacy:requests": R(C.MANAGE_PRIVACY),
    "privacy:request_withdraw": R(C.MANAGE_PRIVACY, method="post"),
    "privacy:request_erase": R(C.MANAGE_PRIVACY, method="post"),
    "privacy:library": R(C.USE_PHOTO_LIBRARY),
    "webhooks:endpoints": R(C.MANAGE_WEBHOOKS),
    "webhooks:create": R(C.MANAGE_WEBHOOKS, method="get,post"),
    "webhooks:edit": R(C.MANAGE_WEBHOOKS, method="get,post"),
    "webhooks:active": R(C.MANAGE_WEBHOOKS, method="post"),
    "webhooks:rotate_secret": R(C.MANAGE_WEBHOOKS, method="post"),
    "webhooks:test": R(C.MANAGE_WEBHOOKS, method="post"),
    "webhooks:deliveries": R(C.MANAGE_WEBHOOKS, query=CSV),
    "webhooks:delivery": R(C.MANAGE_WEBHOOKS, ids={"delivery_id": "webhook_delivery"}),
    "webhooks:redeliver": R(C.MANAGE_WEBHOOKS, method="post", ids={"delivery_id": "webhook_delivery"}),
    # Messages to patients: the owner's log, timing and templates; the chart's tab; the Today alert.
    "notifications:log": R(C.MANAGE_NOTIFICATIONS),
    "notifications:settings": R(C.MANAGE_NOTIFICATIONS, method="get,post"),
    "notifications:templates": R(C.MANAGE_NOTIFICATIONS),
    "notifications:template": R(
        C.MANAGE_NOTIFICATIONS, method="get,post", values={"kind": "reminder", "channel": "email", "language": "en"}
    ),
    "notifications:retry": R(C.MANAGE_NOTIFICATIONS, method="post"),
    "notifications:acknowledge": R(C.VIEW_CLINICAL, method="post"),
    "notifications:patient_messages": R(C.VIEW_PATIENTS),
    "notifications:preferences": R(C.EDIT_PATIENTS, method="post"),
    "notifications:opt_out": PUBLIC,  # the signed link is the key: test_patient_links_need_their_signature
    "notifications:check": PUBLIC,
    # Data in and out: CSV imports, FHIR (the CapabilityStatement is public: test_public_page).
    "interop:imports": R(C.IMPORT_DATA, method="get,post"),
    "interop:mapping": R(C.IMPORT_DATA, method="get,post"),
    "interop:run": R(C.IMPORT_DATA, method="post"),
    "interop:import_run": R(C.IMPORT_DATA),
    "fhir:metadata": PUBLIC,
    # The patient's door: public booking pages, no sign-in (throttled; the booking's reference is the key).
    "portal:clinic": PUBLIC,
    "portal:offers": PUBLIC,
    "portal:details": PUBLIC,
    "portal:verify": PUBLIC,
    "portal:done": PUBLIC,
    "portal:rebook": PUBLIC,
    "portal:calendar": PUBLIC,
    # The patient portal: signed in by a one-time code (a patient's session key, never a staff account).
    "portal:portal_sign_in": PUBLIC,
    "portal:portal_code": PUBLIC,
    "portal:portal_home": PUBLIC,
    "portal:portal_cancel": PUBLIC,
    "portal:portal_reschedule": PUBLIC,
    "portal:portal_profile": PUBLIC,
    "portal:portal_problem": PUBLIC,
    "portal_export": PUBLIC,  # the signed-in patient's own export (web.portal_export)
    # The patient's own shared photos and progress (web.portal_photos; another patient's photo is 404:
    # mesoclinic/web/tests/test_portal_photos.py).
    "portal_photos": PUBLIC,
    "portal_messages": PUBLIC,  # the signed-in patient's own message preferences (web.portal_messages)
    "portal_photo_file": PUBLIC,
    "portal:portal_sign_out": PUBLIC,
    # The waiting list for earlier dates: the signed-in patient's own entries (another patient's are 404:
    # mesoclinic/portal/tests/test_waitlist.py), and the staff list of who waits.
    "portal:portal_waitlist_join": PUBLIC,
    "portal:portal_waitlist_accept": PUBLIC,
    "portal:portal_waitlist_leave": PUBLIC,
    "waitlist:list": R(C.VIEW_SCHEDULE),
    # Staff's page of what patients did online (the history to confirm only with view_clinical).
    "online_bookings:index": R(C.VIEW_PATIENTS),
    "online_bookings:settings": R(C.MANAGE_CLINIC, method="get,post"),
    "online_bookings:confirm_history": R(C.EDIT_CLINICAL, method="post"),
    "online_bookings:resolve_duplicate": R(C.EDIT_PATIENTS, method="post"),
    "online_bookings:handle_problem": R(C.VIEW_CLINICAL, C.REPORT_ADVERSE_EVENT, method="post"),
    "fhir:everything": R(C.EXPORT_DATA),
    "fhir:bulk_export": R(C.EXPORT_DATA),
    "fhir:bulk_file": R(C.EXPORT_DATA, values={"resource_type": "Patient"}),  # clinic B's own NDJSON only
    "fhir:patient_create": R(C.IMPORT_DATA, method="post"),
    "fhir:transaction": R(C.IMPORT_DATA, method="post"),
    # The app's account pages: everyone's own API tokens (the owner sees the clinic's), the security policy.
    "accounts:api_tokens": R(method="get,post"),
    "accounts:language": R(method="get,post"),
    "accounts:revoke_api_token": R(method="post", only=("owner", "receptionist"), denied=404),  # the desk's
    "accounts:security": R(C.MANAGE_SECURITY, method="get,post"),
    # Settings: the owner's set-up screens (clinic, locations, hours, holidays, staff, rooms, devices).
    "settings:index": R(C.MANAGE_CLINIC),
    "settings:clinic": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:staff": R(C.MANAGE_CLINIC),
    "settings:staff_invite": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:staff_edit": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:staff_active": R(C.MANAGE_CLINIC, method="post"),
    "settings:staff_hours": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:time_off_add": R(C.MANAGE_CLINIC, method="post"),
    "settings:time_off_remove": R(C.MANAGE_CLINIC, method="post"),
    "settings:extra_hours_add": R(C.MANAGE_CLINIC, method="post"),
    "settings:extra_hours_remove": R(C.MANAGE_CLINIC, method="post"),
    "settings:locations": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:location_edit": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:holidays": R(C.MANAGE_CLINIC, method="get,post", query={"country": "PL", "year": 2031}),
    "settings:holiday_remove": R(C.MANAGE_CLINIC, method="post"),
    "settings:consents": R(C.MANAGE_CLINIC),
    "settings:consent_publish": R(C.MANAGE_CLINIC, method="get,post", values={"modality": "needle"}),
    "settings:rooms": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:room_edit": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:device_add": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:device_edit": R(C.MANAGE_CLINIC, method="get,post"),
    "settings:downtime_add": R(C.MANAGE_CLINIC, method="post"),
    "settings:downtime_remove": R(C.MANAGE_CLINIC, method="post"),
    "settings:protocols": R(C.MANAGE_CLINIC),
    "settings:catalog_items": R(C.MANAGE_CLINIC),
    "settings:catalog_item_edit": R(C.MANAGE_CLINIC, method="get,post", values={"kind": "ingredient", "code": "hyaluronic_acid"}),
    "settings:composition_edit": R(C.MANAGE_CLINIC, method="get,post", values={"kind": "cocktail", "code": "hydration_ha_lidocaine"}),
    "settings:screening_rules": R(C.MANAGE_CLINIC),
    "settings:screening_rule_edit": R(C.MANAGE_CLINIC, method="get,post", values={"factor": "heart_disease"}),
    "settings:protocol_edit": R(C.MANAGE_CLINIC, method="get,post"),  # slugs are per clinic: B edits its own
    # allauth: signing in, resetting a password, confirming by e-mail are public (test_public_page) ...
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,  # closed: test_nobody_signs_up
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,  # test_a_forged_reset_link_changes_no_password
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "mfa_authenticate": PUBLIC,  # the sign-in's second step (a half-signed-in visitor)
    # ... and a signed-in user's own password, addresses and second factor need only a sign-in.
    "account_reauthenticate": R(),
    "account_email": R(),
    "account_change_password": R(),
    "account_set_password": R(),
    "mfa_index": R(),
    "mfa_reauthenticate": R(),
    "mfa_activate_totp": R(),
    "mfa_deactivate_totp": R(),
    "mfa_view_recovery_codes": R(),
    "mfa_generate_recovery_codes": R(),
    "mfa_download_recovery_codes": R(),
}

API: dict[str, R] = {
    # The public booking API: no sign-in, throttled per address; the booking's reference is the key
    # (test_the_public_api_is_anonymous_and_shows_no_staff_data).
    "portal_api_offerings": PUBLIC,
    "portal_api_series_offers": PUBLIC,
    "portal_api_create_booking": PUBLIC,
    "portal_api_verify_booking": PUBLIC,
    "patients_api_list_patients": R(C.VIEW_PATIENTS, query={"q": MARKER}),
    "patients_api_create_patient": R(C.EDIT_PATIENTS),
    "patients_api_get_patient": R(C.VIEW_PATIENTS),
    "patients_api_patch_patient": R(C.EDIT_PATIENTS),
    "patients_api_get_history": R(C.VIEW_CLINICAL),
    "patients_api_put_history": R(C.EDIT_CLINICAL),
    "patients_api_patch_history": R(C.EDIT_CLINICAL),
    "patients_api_history_versions": R(C.VIEW_CLINICAL),
    "patients_api_list_consents": R(C.VIEW_PATIENTS),
    "patients_api_create_consent": R(C.RECORD_CONSENT),
    "patients_api_withdraw_consent": R(C.RECORD_CONSENT),
    "patients_api_consent_signature": R(C.VIEW_PATIENTS),
    "patients_api_consent_templates": R(C.VIEW_PATIENTS),
    "catalog_api_list_modalities": R(C.VIEW_CATALOG),
    "catalog_api_list_ingredients": R(C.VIEW_CATALOG),
    "catalog_api_list_products": R(C.VIEW_CATALOG),
    "catalog_api_list_cocktails": R(C.VIEW_CATALOG),
    "catalog_api_list_protocols": R(C.VIEW_CATALOG),
    "catalog_api_get_protocol": R(C.VIEW_CATALOG),  # slugs are per clinic: B's own protocol, not A's
    "catalog_api_list_sources": R(C.VIEW_CATALOG),
    "safety_api_screen_registered_patient": R(C.SCREEN, body=lambda w: {"protocol": w.objects["protocol"].slug}),
    "safety_api_screening_records": R(C.SCREEN),
    "safety_api_screen_ad_hoc": R(C.SCREEN),
    "safety_api_rule_table": R(C.SCREEN),
    "scheduling_api_list_locations": R(C.VIEW_SCHEDULE),
    "scheduling_api_availability": R(C.VIEW_SCHEDULE),
    "scheduling_api_propose_series": R(C.VIEW_SCHEDULE, C.SCREEN),
    "scheduling_api_book_series": R(C.BOOK, C.SCREEN),
    "scheduling_api_list_appointments": R(C.VIEW_SCHEDULE),
    "scheduling_api_get_appointment": R(C.VIEW_SCHEDULE),
    "scheduling_api_list_patient_appointments": R(C.VIEW_SCHEDULE),
    "scheduling_api_cancel_appointment": R(C.BOOK),
    "scheduling_api_screening_alerts": R(C.VIEW_SCHEDULE),
    "scheduling_api_resolve_screening_alerts": R(C.BOOK),
    "scheduling_api_check_in": R(C.BOOK),
    "scheduling_api_mark_no_show": R(C.BOOK),
    "scheduling_api_record_treated_elsewhere": R(C.RECORD_TREATED_ELSEWHERE),
    "scheduling_api_reschedule_appointment": R(C.BOOK),
    "scheduling_api_list_extra_hours": R(C.VIEW_SCHEDULE),
    "scheduling_api_add_extra_hours": R(C.BOOK),
    "scheduling_api_remove_extra_hours": R(C.BOOK),
    "scheduling_api_list_time_off": R(C.VIEW_SCHEDULE),
    "scheduling_api_add_time_off": R(C.BOOK),
    "scheduling_api_remove_time_off": R(C.BOOK),
    "scheduling_api_list_feeds": R(C.VIEW_SCHEDULE),
    "scheduling_api_create_feed": R(C.VIEW_SCHEDULE, only=("owner",)),  # the owner, or whose diary it is
    "scheduling_api_revoke_feed": R(C.VIEW_SCHEDULE, only=("owner",)),
    "treatments_api_patient_sessions": R(C.VIEW_CLINICAL),
    "treatments_api_session_detail": R(C.VIEW_CLINICAL),
    "treatments_api_session_update": R(C.EDIT_CLINICAL),
    "treatments_api_session_open": R(C.EDIT_CLINICAL),
    "treatments_api_session_screening": R(C.EDIT_CLINICAL),
    "treatments_api_session_sign": R(C.EDIT_CLINICAL),
    "treatments_api_session_amend": R(C.EDIT_CLINICAL),
    "treatments_api_course_progress": R(C.VIEW_SCHEDULE),
    "inventory_api_list_lots": R(C.VIEW_INVENTORY),
    "inventory_api_receive": R(C.MANAGE_INVENTORY),
    "inventory_api_lot_detail": R(C.VIEW_INVENTORY),
    "inventory_api_record_movement": R(C.MANAGE_INVENTORY),
    "inventory_api_mark_recalled": R(C.MANAGE_INVENTORY),
    "inventory_api_prepare": R(C.MANAGE_INVENTORY),
    "inventory_api_parse_scan": R(C.VIEW_INVENTORY),
    "vigilance_api_recall_by_id": R(C.RECALL),
    "vigilance_api_recall_by_number": R(C.RECALL, query={"lot_number": "QXA-7731"}, cross=404),
    "vigilance_api_list_events": R(C.VIEW_CLINICAL),
    "vigilance_api_create_event": R(C.VIEW_CLINICAL, C.REPORT_ADVERSE_EVENT),
    "vigilance_api_get_event": R(C.VIEW_CLINICAL),
    "vigilance_api_create_follow_up": R(C.VIEW_CLINICAL, C.REPORT_ADVERSE_EVENT),
    "vigilance_api_event_report": R(C.VIEW_CLINICAL),
    "vigilance_api_suggested_sessions": R(C.VIEW_CLINICAL),
    "outcomes_api_list_photos": R(C.VIEW_PHOTOS),
    "outcomes_api_upload": R(C.TAKE_PHOTOS),
    "outcomes_api_photo_detail": R(C.VIEW_PHOTOS),
    "outcomes_api_photo_download": R(C.VIEW_PHOTOS),
    "outcomes_api_choose_baseline": R(C.TAKE_PHOTOS),
    "outcomes_api_list_assessments": R(C.VIEW_PHOTOS),
    "outcomes_api_create_assessment": R(C.TAKE_PHOTOS),
    "reports_api_patient_progress": R(C.VIEW_CLINICAL),
    "reports_api_outcomes": R(C.VIEW_REPORTS),
    "privacy_api_export_patient": R(C.EXPORT_PATIENT_DATA),
    "privacy_api_list_requests": R(C.MANAGE_PRIVACY),
    "privacy_api_create_request": R(C.MANAGE_PRIVACY),
    "privacy_api_withdraw_request": R(C.MANAGE_PRIVACY),
    "privacy_api_erase": R(C.MANAGE_PRIVACY),
    "privacy_api_library": R(C.USE_PHOTO_LIBRARY),
    "notifications_api_patient_deliveries": R(C.VIEW_PATIENTS),
    "notifications_api_get_preference": R(C.VIEW_PATIENTS),
    "notifications_api_put_preference": R(C.EDIT_PATIENTS),
    "notifications_api_list_deliveries": R(C.MANAGE_NOTIFICATIONS),
    "notifications_api_retry_delivery": R(C.MANAGE_NOTIFICATIONS),
    "notifications_api_get_settings": R(C.MANAGE_NOTIFICATIONS),
    "notifications_api_put_settings": R(C.MANAGE_NOTIFICATIONS, body=lambda w: SETTINGS_BODY),
    "interop_api_import_csv": R(C.IMPORT_DATA, values={"kind": "patients"}),
    # Settings: the owner writes, the owner and an auditor read.
    "clinic_settings_api_get_clinic": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_patch_clinic": R(C.MANAGE_CLINIC),
    "clinic_settings_api_list_locations": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_patch_location": R(C.MANAGE_CLINIC),
    "clinic_settings_api_list_rooms": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_create_room": R(C.MANAGE_CLINIC, body=lambda w: {"location_id": w.objects["location"].pk, "name": "Room Z"}),
    "clinic_settings_api_patch_room": R(C.MANAGE_CLINIC),
    "clinic_settings_api_list_devices": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_create_device": R(C.MANAGE_CLINIC, body=lambda w: {"location_id": w.objects["location"].pk, "name": "Device Z", "modality": "electroporation"}),
    "clinic_settings_api_patch_device": R(C.MANAGE_CLINIC),
    "clinic_settings_api_get_working_hours": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_put_working_hours": R(C.MANAGE_CLINIC),
    "clinic_settings_api_list_protocols": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_patch_protocol": R(C.MANAGE_CLINIC),
    "clinic_settings_api_protocol_versions": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_list_catalog_items": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_patch_catalog_item": R(C.MANAGE_CLINIC, values={"kind": "product", "code": "ha_1pct_ampoule"}, body=lambda w: {"form": "ampoule"}),
    "clinic_settings_api_get_composition": R(C.VIEW_AUDIT, only=SETTINGS_READERS, values={"kind": "cocktail", "code": "hydration_ha_lidocaine"}),
    "clinic_settings_api_put_composition": R(C.MANAGE_CLINIC, values={"kind": "cocktail", "code": "hydration_ha_lidocaine"}, body=lambda w: {"ingredients": [{"ingredient": "lidocaine"}], "reason": "matrix"}),
    "clinic_settings_api_list_holidays": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_add_holiday": R(C.MANAGE_CLINIC, body=lambda w: {"date": "2031-08-14", "name": "Clinic day off"}),
    "clinic_settings_api_add_public_holidays": R(C.MANAGE_CLINIC, body=lambda w: {"country": "PL", "year": 2031, "days": ["2031-11-11"]}),
    "clinic_settings_api_remove_holiday": R(C.MANAGE_CLINIC),
    "clinic_settings_api_get_screening_rules": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_put_screening_rule": R(C.MANAGE_CLINIC, body=lambda w: {"factor": "pregnant", "severity": {"needle": "block"}, "message": "Pregnant.", "source": "mesohyal-consent", "reason": "matrix"}),
    "clinic_settings_api_list_message_templates": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_list_staff": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_invite_staff": R(C.MANAGE_CLINIC, body=lambda w: {"email": "matrix-invite@example.com", "display_name": "Matrix Invite", "role": "receptionist"}),
    "clinic_settings_api_patch_staff": R(C.MANAGE_CLINIC, body=lambda w: {"title": "RN"}),
    "clinic_settings_api_consent_versions": R(C.VIEW_AUDIT, only=SETTINGS_READERS, values={"modality": "needle"}),
    "clinic_settings_api_publish_consent_version": R(C.MANAGE_CLINIC, values={"modality": "needle"}, body=lambda w: {"title": "Consent", "body": "Matrix consent text."}),
    "clinic_settings_api_list_downtime": R(C.VIEW_AUDIT, only=SETTINGS_READERS),
    "clinic_settings_api_add_downtime": R(C.MANAGE_CLINIC, body=lambda w: {"starts_at": "2031-08-14T09:00:00+02:00", "ends_at": "2031-08-14T12:00:00+02:00", "reason": "Service"}),
    "clinic_settings_api_remove_downtime": R(C.MANAGE_CLINIC),
    "clinic_settings_api_put_message_template": R(C.MANAGE_CLINIC),
    "clinic_settings_api_preview_message_template": R(C.MANAGE_CLINIC),
    "interop_api_get_import": R(C.IMPORT_DATA),
    "billing_api_get_settings": R(C.VIEW_BILLING),
    "billing_api_put_settings": R(C.MANAGE_PRICES, body=lambda w: {"currency": "GBP", "vat_rates": ["20"]}),
    "billing_api_list_prices": R(C.VIEW_BILLING),
    "billing_api_create_price": R(C.MANAGE_PRICES),
    "billing_api_update_price": R(C.MANAGE_PRICES),
    "billing_api_list_invoices": R(C.VIEW_BILLING),
    "billing_api_create_invoice": R(
        C.VIEW_PATIENTS, C.TAKE_PAYMENTS, body=lambda w: {"patient": w.objects["patient"].pk}, cross=404
    ),
    "billing_api_get_invoice": R(C.VIEW_BILLING),
    "billing_api_checkout_appointment": R(C.VIEW_SCHEDULE, C.TAKE_PAYMENTS),
    "billing_api_add_line": R(C.TAKE_PAYMENTS),
    "billing_api_update_line": R(C.TAKE_PAYMENTS),
    "billing_api_remove_line": R(C.TAKE_PAYMENTS),
    "billing_api_issue_invoice": R(C.TAKE_PAYMENTS),
    "billing_api_record_payment": R(C.TAKE_PAYMENTS),
    "billing_api_get_payment": R(C.VIEW_BILLING),
    "billing_api_refund_payment": R(C.REFUND_PAYMENTS),
    "billing_api_create_credit_note": R(C.TAKE_PAYMENTS),
    "billing_api_patient_account": R(C.VIEW_BILLING),
    "billing_api_patient_packages": R(C.VIEW_BILLING),
    "billing_api_get_package": R(C.VIEW_BILLING),
    "billing_api_set_package_expiry": R(C.REFUND_PAYMENTS),
    "billing_api_refund_package": R(C.REFUND_PAYMENTS),
    "billing_api_list_policies": R(C.VIEW_BILLING),
    "billing_api_put_policy": R(C.MANAGE_PRICES),
    "billing_api_take_deposit": R(C.VIEW_SCHEDULE, C.TAKE_PAYMENTS),
    "billing_api_patient_charges": R(C.VIEW_BILLING),
    "billing_api_patient_deposits": R(C.VIEW_BILLING),
    "billing_api_waive_charge": R(C.TAKE_PAYMENTS),
    "billing_api_start_payment_intent": R(C.TAKE_PAYMENTS),
    "billing_api_start_deposit_intent": R(C.VIEW_SCHEDULE, C.TAKE_PAYMENTS),
    "billing_api_get_payment_intent": R(C.VIEW_BILLING),
    "billing_api_get_gift_card": R(C.VIEW_BILLING),
    "billing_api_document_pdf": R(C.VIEW_BILLING, ids={"invoice_id": "sale"}),
    "billing_api_list_cash_ups": R(C.VIEW_BILLING),
    "billing_api_cash_day": R(C.VIEW_BILLING),
    "billing_api_close_day": R(C.TAKE_PAYMENTS),
    "billing_api_email_document": R(C.TAKE_PAYMENTS, ids={"invoice_id": "sale"}),
    "billing_api_set_gift_card_expiry": R(C.REFUND_PAYMENTS),
}
# fmt: on

SETTINGS_BODY = {  # a valid body: the schema's 422 would otherwise answer before the role check
    "reminder_lead_hours": [48, 2],
    "quiet_start": "21:00:00",
    "quiet_end": "08:00:00",
    "recall_lead_days": 14,
    "continuation_lead_days": 7,
}

# URL keyword arguments and API ids, by name: the world's object of clinic A each one names.
KWARGS: dict[str, str] = {
    "patient_id": "patient",
    "appointment_id": "appointment",
    "record_id": "record",
    "session_id": "signed",
    "course_id": "course",
    "lot_id": "lot",
    "event_id": "event",
    "consent_id": "consent",
    "photo_id": "photo",
    "practitioner_id": "practitioner",
    "extra_hours_id": "extra_hours",
    "time_off_id": "time_off",
    "feed_id": "feed",
    "location_id": "location",
    "product_id": "product",
    "cocktail_id": "cocktail",
    "object_id": "practitioner",
    "room_id": "room",
    "template_id": "template",
    "ingredient_lots": "lot",
    "job_id": "job",
    "request_id": "erasure",
    "endpoint_id": "endpoint",
    "delivery_id": "delivery",  # a message to a patient; webhook routes name theirs with ids=
    "answer_id": "alert",
    "token_id": "api_token",
    "upload_id": "upload",
    "run_id": "import_run",
    "staff_id": "practitioner",
    "holiday_id": "holiday",
    "device_id": "device",
    "downtime_id": "downtime",
    "invoice_id": "invoice",
    "line_id": "invoice_line",
    "payment_id": "payment",
    "item_id": "price_item",
    "protocol_id": "protocol",
    "package_id": "package",
    "charge_id": "charge",
    "online_payment_id": "online_payment",
    "deposit_id": "deposit",
    "code": "gift_card",  # a gift card is named by its code, not its id (``fill``)
    "review_id": "history_review",
    "booking_id": "online_booking",
    "problem_id": "problem_report",
}
# Names that are not ids of clinic A's objects: a value that is the same for every clinic.
SHARED: dict[str, Callable[[World], Any]] = {
    "kind": lambda world: "thumbnail",
    "token": lambda world: world.objects["feed_token"],
    "slug": lambda world: world.objects["protocol"].slug,
    "protocol": lambda world: world.objects["protocol"].slug,
}
ANONYMOUS_API_PATHS = {"/api/v1/openapi.json", "/api/v1/docs"}
WRITE_OK = {400, 409, 422}  # a minimal body got past the gate and was refused on its content


# ---------------------------------------------------------------------------------------------------------
# Discovery


def web_routes(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every named URL pattern outside the admin (superusers only) and the API (checked per operation)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if inner == "admin:":
                continue
            yield from web_routes(entry, inner)
        elif namespace != "api-v1:" or not entry.name or entry.name.startswith("openapi"):
            yield f"{namespace}{entry.name}", entry


@functools.cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


@functools.cache
def api_operations() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(key, method, path template, operation) for every operation in the OpenAPI schema."""
    schema = openapi()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            key = operation["operationId"].removeprefix("mesoclinic_")
            found.append((key, method, path, operation))
    return found


def test_every_route_is_in_the_matrix() -> None:
    missing = [f"add {name} to the matrix (WEB)" for name, _ in web_routes() if name not in WEB]
    missing += [f"add {key} to the matrix (API)" for key, *_ in api_operations() if key not in API]
    assert not missing, "\n".join(missing)


def test_the_matrix_names_no_route_that_is_gone() -> None:
    assert set(WEB) - {name for name, _ in web_routes()} == set()
    assert set(API) - {key for key, *_ in api_operations()} == set()


# ---------------------------------------------------------------------------------------------------------
# Filling URLs and bodies


def fill(world: World, name: str, rule: R | None = None) -> Any:
    if rule is not None and name in rule.values:
        return rule.values[name]
    if rule is not None and name in rule.ids:
        return world.objects[rule.ids[name]].pk
    if name in SHARED:
        return SHARED[name](world)
    found = world.objects[KWARGS[name]]
    return found.code if name == "code" else found.pk


def scoped(names: list[str], rule: R | None = None) -> bool:
    """Whether a route names an object of clinic A (so another clinic must get 404)."""
    ids = rule.ids if rule is not None else {}
    return any((name in KWARGS or name in ids) and not (rule and name in rule.values) for name in names)


def _schema(ref_or_schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in ref_or_schema:
        ref_or_schema = components[ref_or_schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in ref_or_schema:
            options = [o for o in ref_or_schema[key] if o.get("type") != "null"]
            return _schema(options[0], components)
    return ref_or_schema


def example(world: World, name: str, spec: dict[str, Any], components: dict[str, Any]) -> Any:  # noqa: PLR0911 — one answer per JSON Schema type
    """A minimal value of the schema: ids of clinic A's objects by name, otherwise the simplest valid value."""
    spec = _schema(spec, components)
    if "enum" in spec:
        return spec["enum"][0]
    if name in KWARGS or name in SHARED:
        value = fill(world, name)
        return [value] if spec.get("type") == "array" else value
    if "default" in spec:
        return spec["default"]
    kind, fmt = spec.get("type"), spec.get("format", "")
    if kind == "object":
        return {
            key: example(world, key, sub, components)
            for key, sub in spec.get("properties", {}).items()
            if key in spec.get("required", [])
        }
    if kind == "array":
        item = example(world, name, spec.get("items", {}), components)
        return [item] * max(spec.get("minItems", 0), 1 if spec.get("minItems") else 0)
    if kind == "string":
        if fmt == "date-time":  # intervals: the end after the start
            return "2031-05-05T12:00:00+00:00" if name.startswith("end") else "2031-05-05T10:00:00+00:00"
        if fmt == "date":
            return "2031-05-05"
        if fmt == "binary":
            return photo_bytes()
        return "x" * max(spec.get("minLength", 1), 1)
    if kind == "integer":
        return max(spec.get("minimum", 1), 1)
    if kind == "number":
        return spec.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


# ---------------------------------------------------------------------------------------------------------
# Expectations


def login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def assert_allowed(response: Any, method: str, where: str) -> None:
    ok = 200 <= response.status_code < 400 or (method != "get" and response.status_code in WRITE_OK)
    assert ok, f"{where}: expected to be allowed, got {response.status_code} {response.content[:300]!r}"
    assert not login_redirect(response), f"{where}: sent a signed-in user to the login page"


def assert_no_leak(response: Any, where: str, echo: tuple[str, ...] = ()) -> None:
    """None of clinic A's markers in the body, once the search terms the page echoes back are taken out."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace").lower()
    for term in echo:
        text = text.replace(term.lower(), "")
    for marker in MARKERS:
        assert marker.lower() not in text, f"{where}: clinic A's {marker!r} leaked to clinic B"


def outsider_for(rule: R) -> str:
    """The clinic B member who holds the capabilities: a physician, the auditor for audit routes, else the
    owner (jobs, privacy requests, webhooks, security, message settings)."""
    for outsider, role in (("outsider", "physician"), ("outsider_auditor", "auditor")):
        if all(cap in MATRIX[role] for cap in rule.caps):
            return outsider
    return "outsider_owner"


def check(
    call: Callable[..., Any],
    rule: R,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    *,
    is_scoped: bool,
    api_route: bool,
) -> None:
    where = f"{method.upper()} {url}"
    anonymous = call("anon", method, url, **kwargs)
    if api_route:
        assert anonymous.status_code == 401, f"{where} anonymous: {anonymous.status_code}"
    else:
        assert login_redirect(anonymous), f"{where} anonymous: {anonymous.status_code}, not the login page"
    for role in ROLES:
        response = call(str(role), method, url, **kwargs)
        if rule.allows(role):
            assert_allowed(response, method, f"{where} as {role}")
        else:
            assert response.status_code == rule.denied, (
                f"{where} as {role}: {response.status_code}, expected {rule.denied} {response.content[:300]!r}"
            )
    outsider = outsider_for(rule)
    response = call(outsider, method, url, **kwargs)
    if is_scoped or rule.cross is not None:
        expected = rule.cross or 404
        assert response.status_code == expected, (
            f"{where} by clinic B: {response.status_code}, not {expected}"
        )
    elif rule.only is None and not (method != "get" and response.status_code == 404):
        # (a write whose minimal body names nothing of B's may be refused with 404: B has no such thing)
        assert_allowed(response, method, f"{where} by clinic B")
    assert_no_leak(response, f"{where} by clinic B", echo=tuple(str(v) for v in rule.query.values()))


def resolve_query(world: World, query: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (world.objects[value].pk if value in world.objects else value) for key, value in query.items()
    }


@pytest.mark.parametrize("name", sorted(name for name, rule in WEB.items() if not rule.public))
def test_web_route(name: str, world: World, call: Callable[..., Any]) -> None:
    rule = WEB[name]
    pattern = dict(web_routes())[name]
    names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    url = reverse(name, kwargs={key: fill(world, key, rule) for key in names})
    for method in rule.methods:
        kwargs = {"data": resolve_query(world, rule.query)} if rule.query else {}
        # FHIR is called by machines, which cannot sign in at a login page: 401 like the API.
        fhir = name.startswith("fhir:")
        check(call, rule, method, url, kwargs, is_scoped=scoped(names, rule), api_route=fhir)


@pytest.mark.parametrize("key", sorted(key for key, rule in API.items() if not rule.public))
def test_api_operation(key: str, world: World, call: Callable[..., Any]) -> None:
    rule = API[key]
    components = openapi()["components"]["schemas"]
    _, method, path, operation = next(op for op in api_operations() if op[0] == key)
    parameters = operation.get("parameters", [])
    path_names = [p["name"] for p in parameters if p["in"] == "path"]
    url = re.sub(r"{(\w+)}", lambda m: str(fill(world, m.group(1), rule)), path)
    query = {
        p["name"]: example(world, p["name"], p.get("schema", {}), components)
        for p in parameters
        if p["in"] == "query" and p.get("required")
    }
    query.update(resolve_query(world, rule.query))
    if query:
        url = f"{url}?{urlencode(query)}"
    kwargs: dict[str, Any] = {}
    content = operation.get("requestBody", {}).get("content", {})
    body_names: list[str] = []
    if rule.body is not None:
        kwargs = {"data": rule.body(world), "content_type": "application/json"}
    elif "application/json" in content:
        body = example(world, "", content["application/json"]["schema"], components)
        body_names = list(body)
        kwargs = {"data": body, "content_type": "application/json"}
    elif "multipart/form-data" in content:
        form = example(world, "", content["multipart/form-data"]["schema"], components)
        body_names = list(form)
        kwargs = {"data": {k: _upload(v) for k, v in form.items()}}
    names = path_names + body_names + list(query)
    check(call, rule, method, url, kwargs, is_scoped=scoped(names, rule), api_route=True)


def _upload(value: Any) -> Any:
    if isinstance(value, bytes):
        from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

        return SimpleUploadedFile("face.jpg", value, content_type="image/jpeg")
    return value


# ---------------------------------------------------------------------------------------------------------
# The public routes


def test_sign_in_and_out_are_public(world: World) -> None:
    from django.test import Client  # noqa: PLC0415

    client = Client()
    assert client.get(reverse("login")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_calendar_feed_token_is_the_key(world: World, call: Callable[..., Any]) -> None:
    good = reverse("calendar_feeds:feed", kwargs={"token": world.objects["feed_token"]})
    assert call("anon", "get", good).status_code == 200
    bad = reverse("calendar_feeds:feed", kwargs={"token": "not-a-feed-token-at-all-0000000000000"})
    assert call("anon", "get", bad).status_code == 404


def test_api_description_is_public_and_holds_no_data(world: World, call: Callable[..., Any]) -> None:
    response = call("anon", "get", "/api/v1/openapi.json")
    assert response.status_code == 200
    assert_no_leak(response, "openapi.json")


# Forged values for the public pages' link parameters (a real link is tried in the tests below).
FORGED: dict[str, str] = {
    "token": "forged-token-0000000000000000000000",
    "key": "forged-key-0000",
    "uidb36": "1z",
    "clinic_slug": "forged-clinic",
    "slug": "forged-protocol",
    "appointment_id": "999999",
    "reference": "forged-reference-0000000000000000",
    "entry_id": "999999",
    "photo_id": "999999",
    "kind": "image",
}
# What a visitor's GET of each public page gets: the page, a refusal of a forged link, or the sign-in page.
PUBLIC_GET: dict[str, int] = {
    "account_login": 200,
    "account_logout": 405,  # the same path as "logout", which takes POST only
    "account_inactive": 200,
    "account_signup": 200,  # a "sign-up is closed" page: test_nobody_signs_up
    "account_reset_password": 200,
    "account_reset_password_done": 200,
    "account_reset_password_from_key": 200,  # a "bad link" page: test_a_forged_reset_link_changes_no_password
    "account_reset_password_from_key_done": 200,
    "account_confirm_login_code": 302,  # no sign-in under way: back to the sign-in page
    "account_confirm_email": 200,  # an "invalid link" page
    "account_email_verification_sent": 200,
    "mfa_authenticate": 302,  # no password step passed: back to the sign-in page
    "notifications:opt_out": 404,
    "notifications:check": 404,
    "fhir:metadata": 200,  # the CapabilityStatement, no data
    "javascript-catalog": 200,  # the JavaScript strings' translations, no data
    "portal:clinic": 404,  # no such clinic (a real one: mesoclinic/portal/tests)
    "portal:offers": 404,
    "portal:details": 404,
    "portal:verify": 404,
    "portal:done": 404,
    "portal:rebook": 405,  # POST only
    "portal:calendar": 404,
    "portal:portal_sign_in": 404,
    "portal:portal_code": 404,
    "portal:portal_home": 404,
    "portal:portal_cancel": 404,
    "portal:portal_reschedule": 404,
    "portal:portal_profile": 404,
    "portal:portal_problem": 404,
    "portal_export": 404,
    "portal_photos": 404,
    "portal_messages": 404,
    "portal_photo_file": 404,
    "portal:portal_sign_out": 405,
    "billing:stripe_webhook": 405,  # POST only (a signed event)
    "billing_online:pay": 404,
    "billing_online:card": 404,
    "billing_online:card_saved": 405,
    "portal:portal_waitlist_join": 405,  # POST only
    "portal:portal_waitlist_accept": 405,
    "portal:portal_waitlist_leave": 405,
}


def test_every_public_page_is_tried() -> None:
    special = {
        "login",
        "logout",
        "calendar_feeds:feed",
        "api-v1:openapi-json",
        "api-v1:openapi-view",
        "set_language",  # test_the_language_switch_is_public
    }
    assert {name for name, rule in WEB.items() if rule.public} - special == set(PUBLIC_GET)


@pytest.mark.parametrize("name", sorted(PUBLIC_GET))
def test_public_page(name: str, world: World, call: Callable[..., Any]) -> None:
    """A visitor gets the page (forged link parameters refused, half-done sign-ins sent back) and no data."""
    pattern = dict(web_routes())[name]
    names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    url = reverse(name, kwargs={key: FORGED[key] for key in names})
    response = call("anon", "get", url)
    assert response.status_code == PUBLIC_GET[name], f"GET {url} anonymous: {response.status_code}"
    if response.status_code == 302:
        assert login_redirect(response), f"GET {url} anonymous: sent to {response['Location']}"
    assert_no_leak(response, f"GET {url} anonymous")


def test_the_public_api_is_anonymous_and_shows_no_staff_data(world: World, call: Callable[..., Any]) -> None:
    """The public booking API answers a visitor with no sign-in; a forged booking reference is 404; no
    patient's or staff member's data in any answer."""
    base = f"/api/v1/public/{world.clinic.slug}"
    response = call("anon", "get", f"{base}/offerings")
    assert response.status_code == 200
    assert_no_leak(response, "public offerings", echo=(world.clinic.name,))
    forged = call(
        "anon", "post", f"{base}/bookings/{FORGED['token']}/verify", data={"code": "123456"},
        content_type="application/json",
    )  # fmt: skip
    assert forged.status_code == 404
    assert call("anon", "get", "/api/v1/public/forged-clinic/offerings").status_code == 404


def test_the_language_switch_is_public(world: World, call: Callable[..., Any]) -> None:
    """Django's set_language: anyone may choose a language (a cookie), and is sent back where they were."""
    response = call(
        "anon", "post", reverse("set_language"), data={"language": "pl", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["django_language"].value == "pl"
    assert_no_leak(response, "POST set_language anonymous")


def test_nobody_signs_up(world: World, call: Callable[..., Any]) -> None:
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    users = get_user_model().objects
    before = users.count()
    data = {"username": "intruder", "password1": "Str0ng-enough-pass!", "password2": "Str0ng-enough-pass!"}
    with rolled_back():
        response = world.client("anon").post(reverse("account_signup"), data)
        assert users.count() == before, "a visitor created an account"
    assert response.status_code in {200, 302}
    assert not users.filter(username="intruder").exists()


def test_a_forged_reset_link_changes_no_password(world: World) -> None:
    from django.utils.http import int_to_base36  # noqa: PLC0415

    owner = world.staff["owner"].user
    url = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": int_to_base36(owner.pk), "key": "set-password"}
    )
    with rolled_back():
        page = world.client("anon").get(url, follow=True)
        world.client("anon").post(url, {"password1": "Hijacked-pass-123", "password2": "Hijacked-pass-123"})
        owner.refresh_from_db()
        assert not owner.check_password("Hijacked-pass-123"), "a forged reset link set the owner's password"
    assert page.status_code == 200
    assert b'name="password1"' not in page.content, "a forged reset link offers a new password form"


def _tamper(token: str) -> str:
    """The same link with its signature's last character changed."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def test_patient_links_need_their_signature(world: World, call: Callable[..., Any]) -> None:
    """The opt-out and complication-check pages open with their own signed link only, and name no patient."""
    from mesoclinic.notifications.models import ContactPreference  # noqa: PLC0415

    opt_out, check_token = world.objects["opt_out_token"], world.objects["check_token"]
    good = {
        reverse("notifications:opt_out", args=[opt_out]): 200,
        reverse("notifications:check", args=[check_token]): 200,
    }
    bad = [
        reverse("notifications:opt_out", args=[_tamper(opt_out)]),
        reverse("notifications:opt_out", args=[check_token]),  # another link's signature (another salt)
        reverse("notifications:opt_out", args=["-"]),
        reverse("notifications:check", args=[_tamper(check_token)]),
        reverse("notifications:check", args=[opt_out]),
        reverse("notifications:check", args=["-"]),
    ]
    for url, status in good.items():
        response = call("anon", "get", url)
        assert response.status_code == status, f"GET {url}: {response.status_code}"
        assert_no_leak(response, f"GET {url} (a patient's own link)")
    for url in bad:
        for method in ("get", "post"):
            response = call("anon", method, url, data={"answer": "yes", "description": "x"})
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}, not 404"
            assert_no_leak(response, f"{method.upper()} {url}")
    patient = world.objects["patient"]
    with rolled_back():
        world.client("anon").post(reverse("notifications:opt_out", args=[_tamper(opt_out)]))
        assert not ContactPreference.objects.filter(patient=patient, opted_out_at__isnull=False).exists()
        world.client("anon").post(reverse("notifications:opt_out", args=[opt_out]))
        assert ContactPreference.objects.filter(patient=patient, opted_out_at__isnull=False).exists()


def test_an_api_token_does_only_what_its_scopes_name(world: World, call: Callable[..., Any]) -> None:
    """The receptionist's token (scope view_patients) reads patients but cannot register one, although the
    role could; revoked, it is refused like no credential at all."""
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {world.objects['api_token_secret']}"}
    listed = call("anon", "get", "/api/v1/patients", **bearer)
    assert listed.status_code == 200
    assert any(p["family_name"] == MARKER for p in listed.json()["items"])
    created = call(
        "anon", "post", "/api/v1/patients", data={"given_name": "A", "family_name": "B", "birth_date": "1990-01-01", "sex": "female", "contact_consent": False},
        content_type="application/json", **bearer,
    )  # fmt: skip
    assert created.status_code == 403, created.content[:200]
    forged = {"HTTP_AUTHORIZATION": f"Bearer {_tamper(world.objects['api_token_secret'])}"}
    assert call("anon", "get", "/api/v1/patients", **forged).status_code == 401
    from mesoclinic.accounts.services import revoke_api_token  # noqa: PLC0415

    with rolled_back():
        revoke_api_token(world.objects["api_token"], actor=None)
        assert world.client("anon").get("/api/v1/patients", **bearer).status_code == 401
