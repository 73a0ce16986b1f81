"""The patient's payment pages (public: the reference in the link is the key), under /pay/."""

from django.urls import path

from mesoclinic.billing import views_online

app_name = "billing_online"
urlpatterns = [
    path("<str:reference>/", views_online.pay_page, name="pay"),
    path("card/<str:reference>/", views_online.card_page, name="card"),
    path("card/<str:reference>/saved/", views_online.card_saved, name="card_saved"),
]
