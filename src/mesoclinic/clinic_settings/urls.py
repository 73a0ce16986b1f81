from django.urls import path

from mesoclinic.clinic_settings import views

app_name = "settings"
urlpatterns = [
    path("", views.index, name="index"),
    path("clinic/", views.clinic_details, name="clinic"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:staff_id>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:staff_id>/active/", views.staff_active, name="staff_active"),
    path("staff/<int:staff_id>/hours/", views.staff_hours, name="staff_hours"),
    path("staff/<int:staff_id>/time-off/", views.time_off_add, name="time_off_add"),
    path(
        "staff/<int:staff_id>/time-off/<int:time_off_id>/remove/",
        views.time_off_remove,
        name="time_off_remove",
    ),
    path("staff/<int:staff_id>/extra-hours/", views.extra_hours_add, name="extra_hours_add"),
    path(
        "staff/<int:staff_id>/extra-hours/<int:extra_hours_id>/remove/",
        views.extra_hours_remove,
        name="extra_hours_remove",
    ),
    path("locations/", views.location_list, name="locations"),
    path("locations/<int:location_id>/", views.location_edit, name="location_edit"),
    path("locations/<int:location_id>/holidays/", views.holidays, name="holidays"),
    path(
        "locations/<int:location_id>/holidays/<int:holiday_id>/remove/",
        views.holiday_remove,
        name="holiday_remove",
    ),
    path("consents/", views.consent_templates, name="consents"),
    path("consents/<slug:modality>/", views.consent_publish, name="consent_publish"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<int:room_id>/", views.room_edit, name="room_edit"),
    path("devices/", views.device_add, name="device_add"),
    path("devices/<int:device_id>/", views.device_edit, name="device_edit"),
    path("devices/<int:device_id>/downtime/", views.downtime_add, name="downtime_add"),
    path(
        "devices/<int:device_id>/downtime/<int:downtime_id>/remove/",
        views.downtime_remove,
        name="downtime_remove",
    ),
    path("protocols/", views.protocols, name="protocols"),
    path("protocols/<slug:slug>/", views.protocol_edit, name="protocol_edit"),
    path("screening-rules/", views.screening_rules, name="screening_rules"),
    path("screening-rules/<slug:factor>/", views.screening_rule_edit, name="screening_rule_edit"),
    path("catalog/", views.catalog_items, name="catalog_items"),
    path("catalog/<slug:kind>/<slug:code>/", views.catalog_item_edit, name="catalog_item_edit"),
    path("catalog/<slug:kind>/<slug:code>/composition/", views.composition_edit, name="composition_edit"),
]
