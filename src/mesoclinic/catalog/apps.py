from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "mesoclinic.catalog"
    label = "catalog"
    verbose_name = "Catalog"
