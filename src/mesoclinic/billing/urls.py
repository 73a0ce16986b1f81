from django.urls import path

from mesoclinic.billing import document_views, gift_card_views, views, views_online

app_name = "billing"
urlpatterns = [
    path("", views.documents, name="documents"),
    path("documents/<int:invoice_id>/", views.document, name="document"),
    path("documents/<int:invoice_id>/print/", views.document_print, name="document_print"),
    path("documents/<int:invoice_id>/pdf/", document_views.document_pdf, name="document_pdf"),
    path("documents/<int:invoice_id>/email/", document_views.document_email, name="document_email"),
    path("documents/<int:invoice_id>/lines/", views.add_line, name="add_line"),
    path("documents/<int:invoice_id>/lines/<int:line_id>/", views.update_line, name="update_line"),
    path("documents/<int:invoice_id>/lines/<int:line_id>/remove/", views.remove_line, name="remove_line"),
    path("documents/<int:invoice_id>/buyer/", views.set_buyer, name="buyer"),
    path("documents/<int:invoice_id>/kind/", views.set_kind, name="kind"),
    path("documents/<int:invoice_id>/pay/", views.pay, name="pay"),
    path("documents/<int:invoice_id>/issue/", views.issue, name="issue"),
    path("documents/<int:invoice_id>/credit-note/", views.credit_note, name="credit_note"),
    path("payments/<int:payment_id>/refund/", views.refund, name="refund"),
    path(
        "appointments/<int:appointment_id>/checkout/", views.checkout_appointment, name="checkout_appointment"
    ),
    path("patients/<int:patient_id>/checkout/", views.checkout_patient, name="checkout_patient"),
    path("patients/<int:patient_id>/account/", views.patient_account, name="patient_account"),
    path("packages/<int:package_id>/", views.package, name="package"),
    path("packages/<int:package_id>/expiry/", views.package_expiry, name="package_expiry"),
    path("packages/<int:package_id>/refund/", views.package_refund, name="package_refund"),
    path("policy/", views.policy, name="policy"),
    path("cash-up/", views.cash_up, name="cash_up"),
    path("appointments/<int:appointment_id>/deposit/", views.take_deposit, name="take_deposit"),
    path("charges/<int:charge_id>/waive/", views.waive_charge, name="waive_charge"),
    path("prices/", views.prices, name="prices"),
    path("prices/new/", views.price_create, name="price_create"),
    path("prices/<int:item_id>/", views.price_edit, name="price_edit"),
    path("settings/", views.billing_settings, name="settings"),
    # Online card payments through Stripe (views_online): links for the patient, the fee on a saved card, and
    # Stripe's signed webhook (the URL to give Stripe: https://<host>/billing/stripe/webhook/).
    path("documents/<int:invoice_id>/online-link/", views_online.invoice_link, name="online_link"),
    path(
        "appointments/<int:appointment_id>/online-deposit/", views_online.deposit_link, name="online_deposit"
    ),
    path("patients/<int:patient_id>/card-link/", views_online.card_link, name="card_link"),
    path("charges/<int:charge_id>/card/", views_online.charge_card, name="charge_card"),
    path("deposits/<int:deposit_id>/refund/", views_online.refund_deposit, name="refund_deposit"),
    path("stripe/webhook/", views_online.stripe_webhook, name="stripe_webhook"),
    path("online-payments/", views_online.online_payments, name="online_payments"),
    path(
        "online-payments/<int:online_payment_id>/cancel/",
        views_online.cancel_online_payment,
        name="cancel_online_payment",
    ),
    path(
        "online-payments/<int:online_payment_id>/email/",
        views_online.email_online_payment,
        name="email_online_payment",
    ),
    path("gift-cards/", gift_card_views.gift_cards, name="gift_cards"),
    path("gift-cards/<str:code>/", gift_card_views.gift_card, name="gift_card"),
    path("gift-cards/<str:code>/expiry/", gift_card_views.gift_card_expiry, name="gift_card_expiry"),
]
