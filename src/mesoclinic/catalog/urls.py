from django.urls import path

from mesoclinic.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("modalities/", views.modality_list, name="modalities"),
    path("cocktails/", views.cocktail_list, name="cocktails"),
    path("products/", views.product_list, name="products"),
    path("ingredients/", views.ingredient_list, name="ingredients"),
]
