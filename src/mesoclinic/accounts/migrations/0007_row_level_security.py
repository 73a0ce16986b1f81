"""Row-level security on every table that carries a clinic (``mesoclinic.tenancy``), on PostgreSQL only.

The list is frozen here as it stood when written; a later table with a clinic gets its policy in its own
migration (``tenancy.policy_statements``), and ``tests/test_tenancy.py`` fails until it has one. Tables scoped
through a parent (a session's products, an invoice's lines, ...) carry no ``clinic_id`` and are not covered.
"""

from typing import Any

from django.db import migrations

from mesoclinic import tenancy

# (table, whether its clinic_id may be empty)
TABLES = [
    ("audit_auditevent", True),
    ("audit_auditterm", False),
    ("worker_job", True),
    ("accounts_location", False),
    ("accounts_staffmember", False),
    ("accounts_apitoken", False),
    ("catalog_source", False),
    ("catalog_modality", False),
    ("catalog_ingredient", False),
    ("catalog_product", False),
    ("catalog_cocktail", False),
    ("catalog_compositionversion", False),
    ("catalog_historicalprotocol", True),
    ("catalog_protocol", False),
    ("patients_historicalpatient", True),
    ("patients_patient", False),
    ("patients_consenttemplate", False),
    ("patients_consent", False),
    ("safety_historicalclinicruletable", True),
    ("safety_clinicruletable", False),
    ("safety_screeningrecord", False),
    ("scheduling_room", False),
    ("scheduling_device", False),
    ("treatments_course", False),
    ("treatments_maintenancerecall", False),
    ("scheduling_appointment", False),
    ("scheduling_calendarfeed", False),
    ("scheduling_screeningalert", False),
    ("inventory_lot", False),
    ("inventory_stockmovement", False),
    ("inventory_productbarcode", False),
    ("treatments_historicalsessionrecord", True),
    ("treatments_sessionrecord", False),
    ("vigilance_historicaladverseevent", True),
    ("vigilance_adverseevent", False),
    ("outcomes_photo", False),
    ("outcomes_baselinechoice", False),
    ("outcomes_repeatabilitystudy", False),
    ("outcomes_assessment", False),
    ("billing_billingsettings", False),
    ("billing_priceitem", False),
    ("billing_invoice", False),
    ("billing_documentsequence", False),
    ("billing_package", False),
    ("billing_cancellationpolicy", False),
    ("billing_deposit", False),
    ("billing_cancellationcharge", False),
    ("billing_creditentry", False),
    ("billing_cashup", False),
    ("billing_onlinepayment", False),
    ("billing_savedcard", False),
    ("billing_giftcard", False),
    ("portal_portalsettings", False),
    ("portal_onlinebooking", False),
    ("portal_portalsignin", False),
    ("portal_historyreview", False),
    ("portal_problemreport", False),
    ("portal_waitlistentry", False),
    ("privacy_erasurerequest", False),
    ("webhooks_webhookendpoint", False),
    ("webhooks_webhookevent", False),
    ("webhooks_webhookdelivery", False),
    ("notifications_notificationsettings", False),
    ("notifications_messagetemplate", False),
    ("notifications_delivery", False),
    ("notifications_complicationanswer", False),
    ("interop_externalidentifier", False),
    ("interop_csvupload", False),
    ("interop_importrun", False),
]


def _superuser(cursor: Any) -> bool:
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    return bool(cursor.fetchone()[0])


def install(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: no row-level security; the selectors' scoping is all there is
    with schema_editor.connection.cursor() as cursor:
        for table, nullable in TABLES:
            for sql in tenancy.policy_statements(table, nullable=nullable):
                cursor.execute(sql)
        if _superuser(cursor):  # else docs/deployment.md: a superuser runs them once
            for sql in tenancy.leakproof_statements():
                cursor.execute(sql)


def remove(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, _nullable in TABLES:
            for sql in tenancy.removal_statements(table):
                cursor.execute(sql)
        if _superuser(cursor):
            for sql in tenancy.leakproof_statements(leakproof=False):
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_staff_language"),
        ("audit", "0005_terms"),
        ("billing", "0008_gift_card_credit_and_cancelled_links"),
        ("catalog", "0005_composition_versions"),
        ("interop", "0002_import_run"),
        ("inventory", "0003_lot_balance"),
        ("notifications", "0002_message_preferences_per_kind"),
        ("outcomes", "0004_photo_shared_with_patient"),
        ("patients", "0006_search_trigram_indexes"),
        ("portal", "0006_waitlist_offer_lapse"),
        ("privacy", "0001_initial"),
        ("safety", "0002_screening_decision_history_needed"),
        ("scheduling", "0015_schedule_change"),
        ("treatments", "0003_courses_moved_to_scheduling"),
        ("vigilance", "0001_initial"),
        ("webhooks", "0001_initial"),
        ("worker", "0002_job_heartbeat"),
    ]

    operations = [migrations.RunPython(install, remove, elidable=False)]
