from django.urls import URLPattern, path

from mesoclinic.inventory import views

app_name = "inventory"
urlpatterns: list[URLPattern] = [
    path("", views.lot_list, name="lots"),
    path("receive/", views.receive, name="receive"),
    path("receive/scan/", views.parse_scan, name="parse_scan"),
    path("prepare/", views.prepare, name="prepare"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot"),
    path("lots/<int:lot_id>/movement/", views.record_movement, name="movement"),
    path("lots/<int:lot_id>/recall/", views.mark_recalled, name="mark_recalled"),
]
